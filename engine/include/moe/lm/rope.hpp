// Rotary position embedding (Su et al. 2021) in the Hugging Face / Mixtral layout: dimension i of
// a head rotates together with dimension i + hd/2 (rotate_half), not with its neighbour.
//   inv_freq[i] = theta^(-2i/hd),  a = pos · inv_freq[i],  i < hd/2
//   y[i]        = x[i] · cos a - x[i + hd/2] · sin a
//   y[i + hd/2] = x[i + hd/2] · cos a + x[i] · sin a
// Row t of x is at position pos0 + t. Applied to q and k, never to v.
//   x [T, heads, hd], rotated in place
#pragma once

#include <vector>

namespace moe::lm {

void rope_apply__scalar(float* x, int T, int heads, int hd, int pos0, double theta);
void rope_apply(float* x, int T, int heads, int hd, int pos0, double theta);

// cos a and sin a of positions 0 .. positions-1, computed once per model so a forward only
// rotates (the same floats rope_apply computes per call).
struct RopeTable {
  int positions = 0;
  int hd = 0;
  std::vector<float> cos;  // [positions, hd/2]
  std::vector<float> sin;  // [positions, hd/2]
};
RopeTable rope_table(int positions, int hd, double theta);

// rope_apply from the table; pos0 + T must be <= table.positions.
void rope_apply(float* x, int T, int heads, int pos0, const RopeTable& table);

}  // namespace moe::lm
