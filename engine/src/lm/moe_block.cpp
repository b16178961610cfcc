// The one file through which the language model reaches the engine's routing and expert code.
#include "moe/lm/moe_block.hpp"

#include "moe/layer/aux_loss.hpp"
#include "moe/lm/lm_train_model.hpp"
#include "moe/spec/config.hpp"
#include "moe/train/model.hpp"

namespace moe::lm {
namespace {

// The layer that computes what the trainer's block computes (train::layer_config of the same
// shape), plus the shared expert, which the trainer runs as a second block.
LayerConfig block_layer_config(const LmConfig& c) {
  LayerConfig l = train::layer_config(LmTrainShape::of(c).moe);
  l.num_shared_experts = c.n_shared_experts;
  l.shared_expert_d_ff = c.shared_d_ff();
  return l;
}

}  // namespace

MoeBlock::MoeBlock(const LmConfig& config, LayerWeights weights)
    : layer_(block_layer_config(config), std::move(weights)) {}

Result<bool> MoeBlock::forward(const float* x, int N, MoeBlockOutput& out) {
  const size_t n = static_cast<size_t>(N) * static_cast<size_t>(layer_.config().d_model);
  Result<const Trace*> run = layer_.forward(x, n, N);
  if (!run.ok()) return run.error();
  const Trace& tr = *run.value();
  out.router_logits = tr.router_logits;
  out.router_probs = tr.router_probs;
  out.topk_ids = tr.topk_ids;
  out.topk_weights = tr.topk_weights;
  out.output = tr.output;
  return true;
}

Result<bool> MoeBlock::set_selection_mask(SelectionMask mask) {
  return layer_.set_selection_mask(std::move(mask));
}

float moe_aux_loss_pooled(const std::vector<std::span<const float>>& probs,
                          const std::vector<std::span<const int32_t>>& topk_ids, int E, int k) {
  std::vector<float> all_probs;  // [L·N, E]
  std::vector<int32_t> all_ids;  // [L·N, k]
  for (const auto& p : probs) all_probs.insert(all_probs.end(), p.begin(), p.end());
  for (const auto& ids : topk_ids) all_ids.insert(all_ids.end(), ids.begin(), ids.end());
  const int rows = static_cast<int>(all_ids.size() / static_cast<size_t>(k));
  return load_balancing_loss(all_probs.data(), all_ids.data(), rows, E, k, nullptr);
}

}  // namespace moe::lm
