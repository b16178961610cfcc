#include "moe/analysis/consecutive_agreement.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace moe::analysis {
namespace {

bool sets_intersect(std::span<const int32_t> a, std::span<const int32_t> b) {
  for (int32_t x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

}  // namespace

double uniform_set_overlap(int E, int k) {
  // C(E−k, k) / C(E, k) = Π_{i<k} (E−k−i) / (E−i); 0 when E − k < k (two sets must meet).
  double disjoint = 1.0;
  for (int i = 0; i < k; ++i) disjoint *= std::max(0, E - k - i) / static_cast<double>(E - i);
  return 1.0 - disjoint;
}

ConsecutiveAgreement consecutive_agreement(const RoutingRecord& r, int layer) {
  const int N = r.tokens(), E = r.num_experts, k = r.top_k;
  ConsecutiveAgreement a;
  a.uniform_first = 1.0 / E;
  a.uniform_set = uniform_set_overlap(E, k);

  int64_t same_first = 0, overlap = 0;
  for (int n = 0; n + 1 < N; ++n) {
    if (r.sequence[static_cast<size_t>(n)] != r.sequence[static_cast<size_t>(n) + 1]) continue;
    ++a.pairs;
    if (r.first_choice(layer, n) == r.first_choice(layer, n + 1)) ++same_first;
    if (sets_intersect(r.choices(layer, n), r.choices(layer, n + 1))) ++overlap;
  }

  // Chance levels from the layer's own choices over all N tokens.
  std::vector<double> p(static_cast<size_t>(E), 0.0);  // [E]  first-choice shares
  std::map<std::vector<int32_t>, double> f;            // sorted top-k set → share
  for (int n = 0; n < N; ++n) {
    p[static_cast<size_t>(r.first_choice(layer, n))] += 1.0 / N;
    std::span<const int32_t> c = r.choices(layer, n);
    std::vector<int32_t> set(c.begin(), c.end());
    std::sort(set.begin(), set.end());
    f[set] += 1.0 / N;
  }
  for (double pe : p) a.chance_first += pe * pe;
  // Distinct sets M ≤ min(N, C(E, k)): M² set pairs, 784 for 8 experts top-2.
  for (const auto& [s1, f1] : f) {
    for (const auto& [s2, f2] : f) {
      if (sets_intersect(s1, s2)) a.chance_set += f1 * f2;
    }
  }
  if (a.pairs > 0) {
    a.first_choice = static_cast<double>(same_first) / static_cast<double>(a.pairs);
    a.first_or_second = static_cast<double>(overlap) / static_cast<double>(a.pairs);
  }
  a.excess_first = a.first_choice - a.chance_first;
  a.excess_set = a.first_or_second - a.chance_set;
  return a;
}

}  // namespace moe::analysis
