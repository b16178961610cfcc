// Dense FFN baselines of an MoE layer, for lesson comparisons: the dense layer with the same
// total parameters, and the one with the same active parameters per token.
#pragma once

#include <string>
#include <string_view>

#include "moe/result.hpp"
#include "moe/spec/config.hpp"

namespace moe {

enum class DenseBaseline {
  total,   // same stored FFN parameters: d_ff' = d_ff · E + shared width
  active,  // same FFN parameters per token: d_ff' = d_ff · k + shared width
};

// A one-expert layer (E = 1, k = 1, softmax_topk_renorm): the softmax of a single logit is 1, so
// its output is exactly FFN(x), a dense FFN of width
//   total:  f' = f · E + sf          active:  f' = f · a + sf
// with a = k experts per token (expert_choice: round(capacity_factor), at least 1; soft_moe: k),
// sf the shared-expert width, the same expert kind and activation.
LayerConfig dense_baseline_config(const LayerConfig& moe_config, DenseBaseline which);

// The dense LayerSpec (web/src/engine/types.ts) of an MoE LayerSpec, as JSON text:
//   {"config": dense_baseline_config(spec.config, which), "seed": spec.seed or 0}
// which: "total" or "active". Errors: the spec's own, or `which: ...`.
Result<std::string> dense_baseline_spec(std::string_view spec_json, std::string_view which);

}  // namespace moe
