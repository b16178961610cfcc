#include "moe/lm/lm_generate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

namespace moe::lm {
namespace {

std::string show(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

}  // namespace

int32_t pick_greedy(std::span<const float> logits) {
  size_t best = 0;
  for (size_t v = 1; v < logits.size(); ++v) {
    if (logits[v] > logits[best]) best = v;
  }
  return static_cast<int32_t>(best);
}

int32_t pick_top_p(std::span<const float> logits, float temperature, float top_p, SplitMix64& rng) {
  const size_t V = logits.size();
  const float m = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(V);  // [V]  softmax(logits / temperature), in double
  double sum = 0.0;
  for (size_t v = 0; v < V; ++v) sum += p[v] = std::exp((logits[v] - m) / double{temperature});
  for (double& x : p) x /= sum;
  std::vector<int32_t> order(V);  // ids by falling probability, ties to the lower id
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
  // The nucleus: the shortest prefix whose probability reaches top_p (at least one id).
  size_t keep = 0;
  double mass = 0.0;
  while (keep < V && (keep == 0 || mass < top_p)) mass += p[static_cast<size_t>(order[keep++])];
  const double u = rng.next_unit() * mass;  // in (0, mass]
  double acc = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    acc += p[static_cast<size_t>(order[i])];
    if (u <= acc) return order[i];
  }
  return order[keep - 1];  // rounding left u a hair above the last sum
}

int32_t pick_next(std::span<const float> logits, const GenerateOptions& o, SplitMix64& rng) {
  return o.greedy ? pick_greedy(logits) : pick_top_p(logits, o.temperature, o.top_p, rng);
}

Result<bool> check_generate_request(const LmConfig& c, std::span<const int32_t> prompt,
                                    const GenerateOptions& o) {
  if (prompt.empty()) return Error{"prompt", "must hold at least one token id"};
  if (o.max_new_tokens < 0) {
    return Error{"options.max_new_tokens", "must be >= 0, got " + std::to_string(o.max_new_tokens)};
  }
  if (static_cast<int64_t>(prompt.size()) > c.max_position_embeddings) {
    return Error{"prompt", std::to_string(prompt.size()) +
                               " tokens are longer than the model's context, "
                               "max_position_embeddings (" +
                               std::to_string(c.max_position_embeddings) + ")"};
  }
  const int64_t total = static_cast<int64_t>(prompt.size()) + o.max_new_tokens;
  if (total > c.max_position_embeddings) {
    return Error{"options.max_new_tokens", "prompt (" + std::to_string(prompt.size()) +
                                               ") + new tokens (" +
                                               std::to_string(o.max_new_tokens) +
                                               ") is longer than max_position_embeddings (" +
                                               std::to_string(c.max_position_embeddings) + ")"};
  }
  if (!o.greedy) {
    if (!(o.temperature > 0.0f) || !std::isfinite(o.temperature)) {
      return Error{"options.temperature",
                   "must be a finite number > 0, got " + show(o.temperature)};
    }
    if (!(o.top_p > 0.0f && o.top_p <= 1.0f)) {
      return Error{"options.top_p", "must be in (0, 1], got " + show(o.top_p)};
    }
  }
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (prompt[i] < 0 || prompt[i] >= c.vocab_size) {
      return Error{"prompt[" + std::to_string(i) + "]",
                   "must be a token id between 0 and " + std::to_string(c.vocab_size - 1) +
                       " (vocab_size - 1), got " + std::to_string(prompt[i])};
    }
  }
  return true;
}

Result<std::vector<int32_t>> lm_generate(LmModel& model, std::span<const int32_t> prompt,
                                         const GenerateOptions& o,
                                         const std::function<bool(int32_t)>& on_token) {
  const LmConfig& c = model.config();
  Result<bool> checked = check_generate_request(c, prompt, o);
  if (!checked.ok()) return checked.error();
  const int64_t total = static_cast<int64_t>(prompt.size()) + o.max_new_tokens;
  std::vector<int32_t> out;
  if (o.max_new_tokens == 0) return out;
  // The last new token is never fed back, so the cache needs total - 1 positions.
  Result<KvCache> cache = model.new_cache(1, static_cast<int>(std::max<int64_t>(total - 1, 1)));
  if (!cache.ok()) return cache.error();
  const int T = static_cast<int>(prompt.size());
  Result<const LmTrace*> step = model.forward_cached(prompt, 1, T, cache.value());
  if (!step.ok()) return step.error();
  SplitMix64 rng(o.seed);
  const size_t V = static_cast<size_t>(c.vocab_size);
  for (int i = 0; i < o.max_new_tokens; ++i) {
    const LmTrace& tr = *step.value();
    const std::span<const float> last(tr.logits.data() + (tr.logits.size() - V), V);  // [V]
    const int32_t next = pick_next(last, o, rng);
    out.push_back(next);
    if (on_token && !on_token(next)) break;
    if (i + 1 == o.max_new_tokens || ends_generation(c, next)) break;
    step = model.forward_cached(std::span<const int32_t>(&out.back(), 1), 1, 1, cache.value());
    if (!step.ok()) return step.error();
  }
  return out;
}

}  // namespace moe::lm
