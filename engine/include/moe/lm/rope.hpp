// Rotary position embedding (Su et al. 2021) in the Hugging Face / Mixtral layout: dimension i of
// a head rotates together with dimension i + hd/2 (rotate_half), not with its neighbour.
//   inv_freq[i] = theta^(-2i/hd),  a = pos · inv_freq[i],  i < hd/2
//   y[i]        = x[i] · cos a - x[i + hd/2] · sin a
//   y[i + hd/2] = x[i + hd/2] · cos a + x[i] · sin a
// Row t of x is at position pos0 + t. Applied to q and k, never to v.
//   x [T, heads, hd], rotated in place
#pragma once

namespace moe::lm {

void rope_apply__scalar(float* x, int T, int heads, int hd, int pos0, double theta);
void rope_apply(float* x, int T, int heads, int hd, int pos0, double theta);

}  // namespace moe::lm
