// What expert parallelism and training cost in bytes: the all-to-all traffic of one routed batch
// when the experts are spread over devices, and the memory the parameters need in serving and in
// training. The traffic is counted from an actual routing (topk_ids of a forward pass), so a
// skewed router or dropped slots show up in the bytes instead of being averaged away.
//
// Deliberately left out: link bandwidths and latencies (bytes, not seconds), activation memory
// (it depends on the batch and on recomputation, not on the parameter count), and collectives
// other than the expert all-to-all (data-parallel gradient all-reduce, tensor parallelism).
#pragma once

#include <cstdint>
#include <vector>

#include "moe/result.hpp"

namespace moe {

// One routed batch of T tokens with k slots each, experts placed on devices.
// Experts sit in contiguous equal blocks: expert e lives on device e / (E / D) (D divides E).
struct CommSpec {
  int num_experts = 0;            // E
  int devices = 0;                // D
  int64_t d_model = 0;            // values in one token's hidden vector
  double bytes_per_value = 0;     // 4 fp32, 2 bf16, 1 fp8 (> 0, fractions allowed)
  int layers = 1;                 // MoE layers, each routing this batch the same way
  int tokens = 0;                 // T
  int top_k = 0;                  // k: slots per token (columns of topk_ids)
  std::vector<int32_t> topk_ids;  // [T,k] expert of each slot; -1 = the slot was dropped
  std::vector<uint8_t> kept;  // [T,k] optional: 0 = the slot was dropped (capacity); empty = all
  std::vector<int32_t> token_device;  // [T] optional: device holding token t; empty = contiguous
                                      //     equal blocks, token t on device floor(t·D / T)
};

struct CommVolume {
  int devices = 0;                     // D
  std::vector<double> dispatch_bytes;  // [D,D] bytes device i sends to device j in the dispatch
                                       //       of one forward pass (all layers); the diagonal
                                       //       stays on its device. Combine is the transpose.
  std::vector<double> sent_bytes;      // [D] dispatch bytes leaving device i (Σ_{j≠i} [i,j])
  std::vector<double> received_bytes;  // [D] dispatch bytes arriving at device i (Σ_{j≠i} [j,i])
  double forward_bytes = 0;            // dispatch + combine of every kept slot, local ones too
  double cross_device_bytes = 0;       // the part of forward_bytes that crosses devices
  double cross_device_fraction = 0;    // cross_device_bytes / forward_bytes (0 if nothing sent)
  double training_step_bytes = 0;      // 2 × forward_bytes: backward sends the same again
  double training_step_cross_device_bytes = 0;  // 2 × cross_device_bytes
  int64_t routed_slots = 0;                     // kept (token, slot) pairs, one layer
  int64_t local_slots = 0;                      // of those, expert on the token's own device
  int64_t dropped_slots = 0;                    // id -1 or kept 0: nothing sent
};

// All-to-all volume of one forward pass and one training step. Per layer, each kept slot (t, j)
// moves token t's vector (d_model · bytes_per_value bytes) from the token's device a to its
// expert's device b (dispatch) and the expert's output back from b to a (combine):
//   dispatch[a, b] = layers · d_model · bytes · #{(t, j) kept : dev(t) = a, dev(ids[t,j]) = b}
//   forward        = 2 · Σ_{a,b} dispatch[a, b]          cross-device = 2 · Σ_{a≠b} dispatch[a, b]
//   training step  = 2 · forward (the backward pass sends the gradients along the same routes)
// A dropped slot sends nothing; a slot whose expert is on the token's own device crosses nothing.
// Errors name the field: `comm.devices: must divide num_experts (8), got 3`.
Result<CommVolume> all_to_all_volume(const CommSpec& spec);

// Bytes the parameters need. Convention (mixed-precision Adam, as in ZeRO):
//   serving  = P · b                     the weights, every expert stored
//   training = P · (b + b + 8 + m)       weights, gradients (same format), Adam's two fp32
//                                        moments (4 + 4 bytes), and m = 4 bytes of fp32 master
//                                        weights when b < 4 (m = 0 when training in fp32)
// bf16: 2 bytes served, 2 + 2 + 8 + 4 = 16 bytes trained per parameter; fp32: 4 and 16.
struct TrainingMemory {
  double serving_bytes = 0;    // P · b
  double weight_bytes = 0;     // P · b
  double gradient_bytes = 0;   // P · b
  double optimizer_bytes = 0;  // P · 8
  double master_bytes = 0;     // P · 4 if b < 4, else 0
  double training_bytes = 0;   // the sum of the four above
};

// total_params >= 0 (e.g. layer_cost's total_params), bytes_per_value > 0.
Result<TrainingMemory> training_memory(double total_params, double bytes_per_value);

}  // namespace moe
