// Expert-choice router of the trainable layer (Zhou et al. 2022), matching the inference router
// moe/routing/expert_choice.hpp: s = softmax over experts per token; per sequence, expert e takes
// the C tokens with the largest s[·,e] (ties to the lower token), C = round(cf·S/E). Slot j of
// token t is expert j with gate s[t,j]; kept says whether expert j took t. The choice carries no
// gradient; the gates pass theirs to the logits through the softmax.
#include <algorithm>
#include <cmath>

#include "moe/routing/router.hpp"

#include "train/linalg.hpp"
#include "train/router_stage.hpp"

namespace moe::train::detail {

using namespace linalg;

template <class Real>
void route_expert_choice(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss) {
  const ModelShape& shape = a.shape;
  const int T = a.T, E = shape.num_experts, S = a.S;
  const size_t TE = static_cast<size_t>(T) * E;
  const Real* l = router_scores(a, ws, /*sigmoid=*/false);  // [T,E]
  const Real* s = ws.scores.data();                         // [T,E]

  // ---- each expert's C best tokens of each sequence; slot j = expert j
  const int C = capacity_per_sequence(shape, S);
  start_choices(ws, T, E, E, /*kept=*/0);                    // slot j = expert j
  ws.filled.resize(C > 0 ? static_cast<size_t>(E) * C : 1);  // [E,C] tokens each expert takes
  for (size_t i = 0; i < TE; ++i) {
    ws.topk_ids[i] = static_cast<int32_t>(i % E);
    ws.gates[i] = s[i];
  }
  for (int b = 0; b < T / S && C > 0; ++b) {
    const size_t first = static_cast<size_t>(b) * S * E;  // row of the sequence's first token
    router_select_expert_choice(s + first, S, E, C, ws.filled.data());
    for (int e = 0; e < E; ++e) {
      for (int c = 0; c < C; ++c) {
        ws.kept[first + static_cast<size_t>(ws.filled[static_cast<size_t>(e) * C + c]) * E + e] = 1;
      }
      ws.expert_load[e] += C;
    }
  }
  // top expert: the taking expert with the largest gate, else the token's own preference
  for (int t = 0; t < T; ++t) {
    const size_t row = static_cast<size_t>(t) * E;
    int best = -1, pref = 0;
    for (int e = 0; e < E; ++e) {
      if (s[row + e] > s[row + pref]) pref = e;
      if (ws.kept[row + e] && (best < 0 || s[row + e] > s[row + best])) best = e;
    }
    ws.top_expert[t] = best >= 0 ? best : pref;
  }
  aux_forward<Real>(a, E, l, nullptr, nullptr, nullptr, E, ws, loss);  // z-loss only
}

template <class Real>
void backward_expert_choice(const RouteArgs<Real>& a, Workspace<Real>& ws, Real* grad) {
  const int T = a.T, d = a.shape.d_model, E = a.shape.num_experts;
  grow(ws.dlogits, static_cast<size_t>(T) * E);
  const Real* s = ws.scores.data();   // [T,E]
  const Real* ds = ws.dgates.data();  // [T,E] g = s on the kept slots, 0 elsewhere
  Real* dl = ws.dlogits.data();       // [T,E]
  for (int t = 0; t < T; ++t) {
    const size_t row = static_cast<size_t>(t) * E;
    softmax_row_backward(s + row, ds + row, E, dl + row);
    aux_z_backward(a, E, ws.logits.data() + row, ws, t, dl + row);
  }
  mm_tn(dl, a.x, grad, T, E, d, ws.scratch1, ws.scratch2);  // dW_g [E,d]
}

MOE_TRAIN_INSTANTIATE_ROUTER(route_expert_choice, backward_expert_choice);

}  // namespace moe::train::detail
