#include "moe/routing/mixture_of_depths.hpp"

#include "moe/routing/router.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

using namespace detail;

MixtureOfDepths mixture_of_depths_route(std::span<const float> scores, int sequences, int seq_len,
                                        int capacity) {
  MixtureOfDepths r;
  const int64_t tokens = int64_t{sequences} * seq_len;
  if (!validate_into(r,
                     {check_range("sequences", sequences, 1, kMaxRows),
                      check_range("seq_len", seq_len, 1, kMaxRows),
                      check_range("sequences·seq_len", tokens, 1, kMaxRows),
                      check_range("capacity", capacity, 0, seq_len),
                      check_size("scores", scores.size(), tokens, "sequences·seq_len")},
                     {{"scores", scores}})) {
    return r;
  }

  r.sequences = sequences;
  r.seq_len = seq_len;
  r.capacity = capacity;
  r.selected.resize(static_cast<size_t>(sequences) * capacity);  // [B, C]
  r.ran.assign(tokens, 0);                                       // [B, S]
  r.gate.assign(tokens, 0.0f);                                   // [B, S]
  for (int b = 0; b < sequences && capacity > 0; ++b) {
    const int64_t row = int64_t{b} * seq_len;
    int32_t* chosen = &r.selected[static_cast<size_t>(b) * capacity];  // [C]
    router_select_topk(&scores[row], 1, seq_len, capacity, chosen);
    for (int j = 0; j < capacity; ++j) {
      r.ran[row + chosen[j]] = 1;
      r.gate[row + chosen[j]] = scores[row + chosen[j]];
    }
  }
  r.saved_fraction = 1.0f - static_cast<float>(capacity) / static_cast<float>(seq_len);
  return r;
}

}  // namespace moe::routing
