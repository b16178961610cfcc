#include "moe/analysis/lm_evaluation.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "moe/lm/lm_batches.hpp"
#include "moe/lm/lm_loss.hpp"

namespace moe::analysis {
namespace {

// Appends one window's routing (layer l: topk_ids [T, k], router_probs [T, E]) and labels.
void record_window(const lm::LmTrace& tr, std::span<const int32_t> inputs, int32_t sequence,
                   int32_t domain, std::span<const int32_t> surface_of_id, RoutingRecord& r) {
  for (size_t l = 0; l < tr.layers.size(); ++l) {
    const lm::LmLayerActivations& a = tr.layers[l];
    r.topk_ids[l].insert(r.topk_ids[l].end(), a.topk_ids.begin(), a.topk_ids.end());
    r.router_probs[l].insert(r.router_probs[l].end(), a.router_probs.begin(), a.router_probs.end());
  }
  for (int32_t id : inputs) {
    r.token_ids.push_back(id);
    r.sequence.push_back(sequence);
    r.domain.push_back(domain);
    r.surface.push_back(surface_of_id.empty() ? static_cast<int32_t>(SurfaceClass::mixed)
                                              : surface_of_id[static_cast<size_t>(id)]);
  }
}

}  // namespace

Result<LmEvaluation> evaluate_lm(lm::LmModel& model, const std::vector<TokenDomain>& domains,
                                 const EvalOptions& o) {
  const lm::LmConfig& c = model.config();
  const int C = o.context == 0 ? c.max_position_embeddings : o.context;
  if (C < 1 || C > c.max_position_embeddings) {
    return Error{"context", "must be between 1 and max_position_embeddings (" +
                                std::to_string(c.max_position_embeddings) + "), got " +
                                std::to_string(o.context)};
  }
  if (o.max_tokens < 0) {
    return Error{"max_tokens", "must be >= 0, got " + std::to_string(o.max_tokens)};
  }
  // max_tokens rounded up to whole windows; 0 = every window.
  const int64_t max_windows = std::min<int64_t>((o.max_tokens + C - 1) / C, INT32_MAX);
  if (!o.surface_of_id.empty() && static_cast<int>(o.surface_of_id.size()) != c.vocab_size) {
    return Error{"surface_of_id", "must have one class per token id (" +
                                      std::to_string(c.vocab_size) + "), got " +
                                      std::to_string(o.surface_of_id.size())};
  }
  LmEvaluation ev;
  RoutingRecord& r = ev.routing;
  r.num_experts = c.num_local_experts;
  r.top_k = c.num_experts_per_tok;
  r.topk_ids.assign(static_cast<size_t>(c.num_hidden_layers), {});
  r.router_probs.assign(static_cast<size_t>(c.num_hidden_layers), {});
  double total = 0;
  int64_t total_tokens = 0;
  int32_t window = 0;
  for (size_t d = 0; d < domains.size(); ++d) {
    const TokenDomain& dom = domains[d];
    r.domain_names.push_back(dom.name);
    const int64_t n = static_cast<int64_t>(dom.ids.size());
    // Targets are read by next_token_loss, which takes only ids in range: check the stream first.
    for (int64_t i = 0; i < n; ++i) {
      const int32_t id = dom.ids[static_cast<size_t>(i)];
      if (id < 0 || id >= c.vocab_size) {
        return Error{
            "domains[" + std::to_string(d) + "] (" + dom.name + ")[" + std::to_string(i) + "]",
            "must be a token id between 0 and " + std::to_string(c.vocab_size - 1) +
                " (vocab_size - 1), got " + std::to_string(id)};
      }
    }
    // The trainer's held-out windows and loss (lm_batches.hpp), one window per forward so the
    // routing record keeps each window as a sequence. A text shorter than one window (a learner's
    // sentence) is read as one window of its own length, Cd = n − 1 < C, which the held-out
    // splits (many windows long) never need.
    int Cd = C;
    std::vector<int32_t> windows =
        lm::lm_heldout_windows(dom.ids, C, static_cast<int>(max_windows));
    if (windows.empty() && n >= 2) {
      Cd = static_cast<int>(n - 1);
      windows = dom.ids;
    }
    if (windows.empty()) {
      return Error{
          "domains[" + std::to_string(d) + "] (" + dom.name + ")",
          "needs at least 2 tokens (one to read, one to predict), got " + std::to_string(n)};
    }
    std::optional<Error> failed;
    const double loss = lm::lm_heldout_loss(windows, Cd, 1, [&](const int32_t* w, int) {
      const std::span<const int32_t> inputs(w, static_cast<size_t>(Cd));
      Result<const lm::LmTrace*> run = model.forward(inputs, 1, Cd);
      if (!run.ok()) {
        failed = run.error();
        return 0.0;
      }
      const lm::LmTrace& tr = *run.value();
      if (o.record_routing) {
        record_window(tr, inputs, window, static_cast<int32_t>(d), o.surface_of_id, r);
      }
      ++window;
      return lm::next_token_loss<float>(tr.logits.data(), Cd, c.vocab_size, w + 1, nullptr);
    });
    if (failed) return *failed;
    const int64_t M = static_cast<int64_t>(windows.size() / (static_cast<size_t>(Cd) + 1)) * Cd;
    ev.domains.push_back(DomainLoss{dom.name, loss, M});
    total += loss * static_cast<double>(M);
    total_tokens += M;
  }
  if (total_tokens > 0) ev.loss = total / static_cast<double>(total_tokens);
  if (!o.record_routing) r = RoutingRecord{};
  return ev;
}

Result<MaskingStudy> masking_study(lm::LmModel& model, const std::vector<TokenDomain>& domains,
                                   EvalOptions o) {
  o.record_routing = false;
  const int E = model.config().num_local_experts;
  MaskingStudy study;
  // Runs one evaluation under `mask`, then lifts the mask whatever happened.
  const auto with_mask = [&](const SelectionMask& mask) -> Result<LmEvaluation> {
    if (Result<bool> set = model.set_selection_mask(mask); !set.ok()) return set.error();
    Result<LmEvaluation> ev = evaluate_lm(model, domains, o);
    (void)model.set_selection_mask(SelectionMask{});
    return ev;
  };
  SelectionMask top1;
  top1.top_ranks_off = 1;
  Result<LmEvaluation> masked = with_mask(top1);
  if (!masked.ok()) return masked.error();
  study.top1_masked = std::move(masked.value());
  for (int e = 0; e < E; ++e) {
    SelectionMask off;
    off.experts_off.assign(static_cast<size_t>(E), 0);
    off.experts_off[static_cast<size_t>(e)] = 1;
    Result<LmEvaluation> ev = with_mask(off);
    if (!ev.ok()) return ev.error();
    study.expert_off.push_back(std::move(ev.value()));
  }
  return study;
}

std::vector<int32_t> surface_classes_of_vocab(const text::Tokenizer& tokenizer) {
  std::vector<int32_t> classes(static_cast<size_t>(tokenizer.vocab_size()));  // [V]
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    classes[static_cast<size_t>(id)] = static_cast<int32_t>(
        surface_class_of_bytes(tokenizer.token_bytes(id), tokenizer.is_special(id)));
  }
  return classes;
}

}  // namespace moe::analysis
