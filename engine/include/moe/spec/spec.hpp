// A layer from its JSON spec, the format of web/src/engine/types.ts `LayerSpec`:
//   { "config": {...}, "weights"?: { "router"?: [E][d], "experts"?: [E]{w1, w3?, w2} }, "seed"?: n
//   }
// With a seed every weight is initialised from it and the given weights override; without a
// seed the weights must be complete.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "moe/layer/layer.hpp"
#include "moe/result.hpp"

namespace moe {

Result<Layer> make_layer(std::string_view spec_json);
Result<Layer> make_layer(const nlohmann::json& spec);

}  // namespace moe
