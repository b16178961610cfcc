#include "moe/calc/dense_baseline.hpp"

#include <algorithm>
#include <cmath>

#include "spec/json_fields.hpp"

namespace moe {

using detail::json;

LayerConfig dense_baseline_config(const LayerConfig& m, DenseBaseline which) {
  int64_t experts_per_token = m.top_k;
  if (m.router_kind == RouterKind::expert_choice) {
    experts_per_token = std::max<int64_t>(1, std::llround(m.capacity_factor));
  }
  const int64_t routed = which == DenseBaseline::total ? m.num_experts : experts_per_token;
  LayerConfig d;
  d.d_model = m.d_model;
  d.d_ff = static_cast<int>(int64_t{m.d_ff} * routed + m.shared_expert_d_ff);
  d.num_experts = 1;
  d.top_k = 1;
  d.router_kind = RouterKind::softmax_topk_renorm;
  d.activation = m.activation;
  d.expert_kind = m.expert_kind;
  return d;
}

Result<std::string> dense_baseline_spec(std::string_view spec_json, std::string_view which) {
  DenseBaseline kind;
  if (which == "total") {
    kind = DenseBaseline::total;
  } else if (which == "active") {
    kind = DenseBaseline::active;
  } else {
    return Error{"which", "must be \"total\" or \"active\", got \"" + std::string(which) + "\""};
  }
  json spec;
  if (auto err = detail::parse_json_text(spec_json, spec)) return *err;
  if (!spec.is_object()) return Error{"spec", "must be an object, got " + detail::describe(spec)};
  const auto cfg = spec.find("config");
  if (cfg == spec.end()) return Error{"config", "missing (expected an object)"};
  Result<LayerConfig> config = parse_layer_config(*cfg, "config");
  if (!config.ok()) return config.error();
  const LayerConfig d = dense_baseline_config(config.value(), kind);
  if (d.d_ff > kMaxDim) {
    return Error{"config.d_ff", "the dense baseline needs d_ff = " + std::to_string(d.d_ff) +
                                    ", above the cap of " + std::to_string(kMaxDim)};
  }
  int64_t seed = 0;
  if (spec.contains("seed") && !spec["seed"].is_null()) {
    if (auto err = detail::read_int(spec, "seed", "spec", 0, int64_t{1} << 53, seed)) {
      return Error{"seed", err->reason};
    }
  }
  json out = {{"config",
               {{"d_model", d.d_model},
                {"d_ff", d.d_ff},
                {"num_experts", 1},
                {"top_k", 1},
                {"router_kind", std::string(to_string(d.router_kind))},
                {"activation", std::string(to_string(d.activation))},
                {"expert_kind", std::string(to_string(d.expert_kind))}}},
              {"seed", seed}};
  return out.dump();
}

}  // namespace moe
