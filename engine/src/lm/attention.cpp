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

void attention_forward(const float* q, const float* k, const float* v, float* out,
                       const AttentionShape& sh, AttentionWorkspace& ws) {
  const int T = sh.T, H = sh.H, KV = sh.KV, hd = sh.hd, S = sh.pos0 + sh.T;
  const size_t uT = static_cast<size_t>(T), uS = static_cast<size_t>(S);
  const size_t uhd = static_cast<size_t>(hd);
  const int group = H / KV;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  ws.q_head.resize(uT * uhd);
  ws.k_group.resize(uS * uhd);
  ws.v_groupT.resize(uhd * uS);
  ws.scores.resize(uT * uS);
  ws.out_head.resize(uT * uhd);
  for (int g = 0; g < KV; ++g) {
    for (int s = 0; s < S; ++s) {  // this kv head's keys [S, hd] and values transposed [hd, S]
      const float* kr = k + (static_cast<long>(s) * KV + g) * hd;
      const float* vr = v + (static_cast<long>(s) * KV + g) * hd;
      std::copy(kr, kr + hd, ws.k_group.data() + static_cast<size_t>(s) * uhd);
      for (int i = 0; i < hd; ++i) ws.v_groupT[static_cast<size_t>(i) * uS + s] = vr[i];
    }
    for (int h = g * group; h < (g + 1) * group; ++h) {
      for (int t = 0; t < T; ++t) {
        const float* qr = q + (static_cast<long>(t) * H + h) * hd;
        std::copy(qr, qr + hd, ws.q_head.data() + static_cast<size_t>(t) * uhd);
      }
      // scores[t,s] = q_h[t,:] · k_g[s,:]   [T, S]
      f32_matmul(ws.q_head.data(), ws.k_group.data(), ws.scores.data(), uT, uhd, uS);
      for (int t = 0; t < T; ++t) {
        float* row = ws.scores.data() + static_cast<size_t>(t) * uS;  // [S]
        const size_t visible = static_cast<size_t>(sh.pos0 + t + 1);
        for (size_t s = 0; s < visible; ++s) row[s] *= scale;
        f32_softmax_rows(row, row, 1, visible);    // over the visible keys only
        std::fill(row + visible, row + uS, 0.0f);  // masked keys get probability 0
      }
      // out_h[t,i] = Σ_s p[t,s] · v_g[s,i]   [T, hd]
      f32_matmul(ws.scores.data(), ws.v_groupT.data(), ws.out_head.data(), uT, uS, uhd);
      for (int t = 0; t < T; ++t) {
        const float* o = ws.out_head.data() + static_cast<size_t>(t) * uhd;
        std::copy(o, o + hd, out + (static_cast<long>(t) * H + h) * hd);
      }
    }
  }
}

}  // namespace moe::lm
