#include "moe/lm/attention.hpp"

#include <algorithm>
#include <cmath>

#include "moe/kernels/kernels.hpp"

namespace moe::lm {

void attention_forward__scalar(const float* q, const float* k, const float* v, float* out,
                               const AttentionShape& sh) {
  const int T = sh.T, H = sh.H, KV = sh.KV, hd = sh.hd, S = sh.pos0 + sh.T;
  const int group = H / KV;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<float> p(static_cast<size_t>(S));  // [S]
  for (int t = 0; t < T; ++t) {
    const int visible = sh.pos0 + t + 1;  // causal: keys 0 .. pos0 + t
    for (int h = 0; h < H; ++h) {
      const int g = h / group;
      const float* qr = q + (static_cast<long>(t) * H + h) * hd;
      float m = -INFINITY;
      for (int s = 0; s < visible; ++s) {
        const float* kr = k + (static_cast<long>(s) * KV + g) * hd;
        float dot = 0.0f;
        for (int i = 0; i < hd; ++i) dot += qr[i] * kr[i];
        p[static_cast<size_t>(s)] = dot * scale;
        m = std::max(m, p[static_cast<size_t>(s)]);
      }
      float sum = 0.0f;
      for (int s = 0; s < visible; ++s) sum += p[static_cast<size_t>(s)] = std::exp(p[s] - m);
      float* o = out + (static_cast<long>(t) * H + h) * hd;
      std::fill(o, o + hd, 0.0f);
      for (int s = 0; s < visible; ++s) {
        const float* vr = v + (static_cast<long>(s) * KV + g) * hd;
        const float w = p[static_cast<size_t>(s)] / sum;
        for (int i = 0; i < hd; ++i) o[i] += w * vr[i];
      }
    }
  }
}

namespace {

// Query rows per block: a multiple of the matmul's 4-row tile. Smaller blocks skip more of the
// masked triangle (a block computes ~rows/2 masked keys per row) but pay more calls.
constexpr int kQueryBlock = 16;

}  // namespace

void attention_forward(const float* q, const float* k, const float* v, float* out,
                       const AttentionShape& sh, AttentionWorkspace& ws) {
  const int T = sh.T, H = sh.H, KV = sh.KV, hd = sh.hd, S = sh.pos0 + sh.T;
  const size_t uS = static_cast<size_t>(S), uhd = static_cast<size_t>(hd);
  const size_t ldkv = static_cast<size_t>(KV) * uhd;  // row stride of k and v
  const size_t block = static_cast<size_t>(std::min(T, kQueryBlock));
  const int group = H / KV;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  ws.k_group.resize(uS * uhd);
  ws.k_packed.resize(f32_pack_nt_size(uhd, uS));
  ws.v_packed.resize(f32_pack_nt_size(uS, uhd));
  ws.q_block.resize(block * uhd);
  ws.scores.resize(block * uS);
  ws.out_block.resize(block * uhd);
  const size_t v_ld = uS * kMatmulPanel;  // floats per panel of v_packed
  for (int g = 0; g < KV; ++g) {
    for (int s = 0; s < S; ++s) {  // this kv head's keys [S, hd]
      const float* kr = k + static_cast<size_t>(s) * ldkv + static_cast<size_t>(g) * uhd;
      f32_copy(kr, ws.k_group.data() + static_cast<size_t>(s) * uhd, uhd);
    }
    f32_pack_nt(ws.k_group.data(), ws.k_packed.data(), uhd, uS);
    f32_pack_nn(v + static_cast<size_t>(g) * uhd, ldkv, ws.v_packed.data(), uS, uhd);
    for (int h = g * group; h < (g + 1) * group; ++h) {
      for (int t0 = 0; t0 < T; t0 += static_cast<int>(block)) {
        const int rows = std::min(T - t0, static_cast<int>(block));
        const size_t ur = static_cast<size_t>(rows);
        const size_t keys = static_cast<size_t>(sh.pos0 + t0 + rows);  // the block's last row sees
        for (int r = 0; r < rows; ++r) {  // q_block[r,:] = q[t0 + r, h, :] / sqrt(hd)
          const float* qr = q + (static_cast<long>(t0 + r) * H + h) * hd;
          float* qb = ws.q_block.data() + static_cast<size_t>(r) * uhd;
          for (int i = 0; i < hd; ++i) qb[i] = qr[i] * scale;
        }
        // scores[r,s] = q_block[r,:] · k_g[s,:]   [rows, keys]
        f32_matmul_packed(ws.q_block.data(), ws.k_packed.data(), ws.scores.data(), ur, uhd, keys);
        // p[r,:] = softmax over the keys row r sees (pos0 + t0 + r + 1), 0 for the masked rest
        f32_softmax_rows_causal(ws.scores.data(), ws.scores.data(), ur, keys,
                                static_cast<size_t>(sh.pos0 + t0 + 1));
        // out_h[r,i] = Σ_s p[r,s] · v_g[s,i]   [rows, hd]
        f32_matmul_packed_ld(ws.scores.data(), ws.v_packed.data(), v_ld, ws.out_block.data(), ur,
                             keys, uhd);
        for (int r = 0; r < rows; ++r) {
          const float* o = ws.out_block.data() + static_cast<size_t>(r) * uhd;
          std::copy(o, o + hd, out + (static_cast<long>(t0 + r) * H + h) * hd);
        }
      }
    }
  }
}

}  // namespace moe::lm
