#include "moe/lm/lm_batches.hpp"

#include <algorithm>
#include <cassert>

#include "moe/rng.hpp"

namespace moe::lm {

void lm_batch_windows(const std::vector<int32_t>& tokens, int B, int T, uint64_t seed, int step,
                      int32_t* out) {
  assert(tokens.size() > static_cast<size_t>(T) && "the stream must hold one window");
  const uint64_t starts = tokens.size() - static_cast<size_t>(T);  // windows [s, s + T]
  // One stream per step, seeded by a splitmix64 output of (run, step). Not run + step·γ: splitmix64
  // advances its state by γ per draw, so step s + 1 would replay step s's draws shifted by one and
  // consecutive batches would share B − 1 windows (the model would see ~1 new window per step).
  const uint64_t run = SplitMix64(seed ^ 0x6261746368ull).next_u64();  // "batch"
  SplitMix64 rng(SplitMix64(run ^ static_cast<uint64_t>(step)).next_u64());
  for (int b = 0; b < B; ++b) {
    const size_t s = static_cast<size_t>(rng.next_u64() % starts);
    std::copy_n(tokens.begin() + static_cast<std::ptrdiff_t>(s), T + 1,
                out + static_cast<size_t>(b) * (T + 1));
  }
}

std::vector<int32_t> lm_heldout_windows(const std::vector<int32_t>& tokens, int T,
                                        int max_windows) {
  std::vector<int32_t> out;
  const size_t uT = static_cast<size_t>(T);
  for (size_t s = 0; s + uT < tokens.size(); s += uT) {
    if (max_windows > 0 && out.size() / (uT + 1) >= static_cast<size_t>(max_windows)) break;
    out.insert(out.end(), tokens.begin() + static_cast<std::ptrdiff_t>(s),
               tokens.begin() + static_cast<std::ptrdiff_t>(s + uT + 1));
  }
  return out;
}

double lm_heldout_loss(const std::vector<int32_t>& windows, int T, int batch,
                       const std::function<double(const int32_t*, int)>& batch_loss) {
  const size_t per = static_cast<size_t>(T) + 1;
  const int W = static_cast<int>(windows.size() / per);
  double total = 0;
  for (int w0 = 0; w0 < W; w0 += batch) {
    const int B = std::min(batch, W - w0);
    total += batch_loss(windows.data() + static_cast<size_t>(w0) * per, B) * B;
  }
  return W > 0 ? total / W : 0.0;
}

}  // namespace moe::lm
