// Capacity router kinds of the trainable layer: Switch (softmax_top1_capacity: top-1, raw
// probability) and GShard (topk_capacity: top-k renormalised). Routing is route_topk's; then per
// sequence each expert takes at most C slots, visited slot-major (every token's first choice
// before any token's second) in token order, as the inference routers do
// (moe/routing/switch_capacity.hpp, gshard_capacity.hpp). The backward is backward_topk's: a
// dropped slot's gate has no task gradient, the placement none at all.
#include "moe/routing/router.hpp"
#include "train/router_stage.hpp"

namespace moe::train::detail {

template <class Real>
void route_capacity(const RouteArgs<Real>& a, Workspace<Real>& ws, LossParts& loss) {
  route_topk(a, ws, loss);
  const int E = a.shape.num_experts, k = a.shape.top_k, S = a.S;
  const int C = capacity_per_sequence(a.shape, S);  // model.hpp
  const int32_t* ids = ws.topk_ids.data();          // [T,k]
  uint8_t* kept = ws.kept.data();                   // [T,k]
  router_apply_capacity(ids, a.T / S, S, k, E, C, kept, nullptr);
}

MOE_TRAIN_INSTANTIATE_ROUTE(route_capacity);

}  // namespace moe::train::detail
