// Internal: reading the weights only some configs have (router_bias, correction_bias, noise, the
// shared expert and its gate). Part of read_weights (weights.hpp).
#pragma once

#include <string>

#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"
#include "spec/json_fields.hpp"

namespace moe::detail {

// Reads each optional weight `wj` holds, checking its shape against `c`; a weight the config does
// not use is an error naming it, and with `require_all` a weight the config needs must be there.
MaybeError read_optional_weights(const json& wj, const LayerConfig& c, const std::string& where,
                                 bool require_all, LayerWeights& w);

}  // namespace moe::detail
