// Reading the reference cases of tests/oracle/ (format: shared/oracle/README.md): a layer case
// (config + weights + input [T][d]) for `moe forward` and the golden tests, and the aux-loss-only
// case (gate logits per layer, optional attention mask).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "moe/result.hpp"
#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"

namespace moe {

struct OracleCase {
  std::string name;
  std::string family;  // "mixtral", "qwen2_moe", ...; "" when the case names none
  LayerConfig config;
  LayerWeights weights;        // router, experts, biases, shared expert
  std::vector<float> input;    // [T, d]
  int tokens = 0;              // T
  int num_shared_experts = 0;  // = config.num_shared_experts
};

// Errors name the field: an unknown router kind fails at `config.router_kind`, a wrong shape at
// the weight or input row that has it; an input above the memory cap is refused before it is
// allocated.
Result<OracleCase> parse_case(std::string_view text);

struct AuxLossCase {
  std::string name;
  int num_layers = 0;              // L
  int tokens_per_layer = 0;        // N = batch_size · seq_len
  int num_experts = 0;             // E
  int top_k = 0;                   // k
  std::vector<float> gate_logits;  // [L·N, E]  layer-major
  std::vector<uint8_t> mask;       // [L·N]     1 = real token; empty without attention mask
};

// The `mixtral_aux_loss_*` cases: config.family = "mixtral_aux_loss".
Result<AuxLossCase> parse_aux_loss_case(std::string_view text);

// Either kind of case from one parse of the text, told apart by config.family.
struct AnyCase {
  bool is_aux_loss = false;
  OracleCase layer;  // when !is_aux_loss
  AuxLossCase aux;   // when is_aux_loss
};
Result<AnyCase> parse_any_case(std::string_view text);

}  // namespace moe
