#include "moe/spec/spec.hpp"

#include "spec/json_fields.hpp"

namespace moe {

using detail::json;

Result<Layer> make_layer(std::string_view spec_json) {
  json spec;
  if (auto err = detail::parse_json_text(spec_json, spec)) return *err;
  return make_layer(spec);
}

Result<Layer> make_layer(const json& spec) {
  if (!spec.is_object()) return Error{"spec", "must be an object, got " + detail::describe(spec)};
  const auto cfg = spec.find("config");
  if (cfg == spec.end()) return Error{"config", "missing (expected an object)"};
  Result<LayerConfig> config = parse_layer_config(*cfg, "config");
  if (!config.ok()) return config.error();
  const LayerConfig& c = config.value();

  const bool has_seed = spec.contains("seed") && !spec["seed"].is_null();
  const bool has_weights = spec.contains("weights") && !spec["weights"].is_null();
  if (!has_seed && !has_weights) return Error{"spec", "needs weights or a seed"};

  LayerWeights weights;
  if (has_seed) {
    int64_t seed = 0;
    if (auto err = detail::read_int(spec, "seed", "spec", 0, (int64_t{1} << 53), seed)) {
      return Error{"seed", err->reason};
    }
    weights = init_weights_seeded(c, static_cast<uint64_t>(seed));
  }
  if (has_weights) {
    Result<bool> read = read_weights(spec["weights"], c, "weights", !has_seed, weights);
    if (!read.ok()) return read.error();
  }
  return Layer(c, std::move(weights));
}

}  // namespace moe
