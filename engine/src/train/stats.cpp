#include "moe/train/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace moe::train {

std::vector<float> load_fractions(std::span<const int32_t> load) {
  double total = 0;
  for (int32_t v : load) total += v;
  std::vector<float> f(load.size(), 0.0f);
  if (total <= 0) return f;
  for (size_t e = 0; e < load.size(); ++e) f[e] = static_cast<float>(load[e] / total);
  return f;
}

double load_cv(std::span<const float> fractions) {
  if (fractions.empty()) return 0;
  double mean = 0, var = 0;
  for (float v : fractions) mean += v;
  mean /= static_cast<double>(fractions.size());
  if (mean <= 0) return 0;
  for (float v : fractions) var += (v - mean) * (v - mean);
  var /= static_cast<double>(fractions.size());
  return std::sqrt(var) / mean;
}

double max_share(std::span<const float> fractions) {
  double m = 0;
  for (float v : fractions) m = std::max(m, static_cast<double>(v));
  return m;
}

double normalized_mutual_information(std::span<const int32_t> a, std::span<const int32_t> b) {
  const size_t n = std::min(a.size(), b.size());
  if (n == 0) return 0;
  std::map<int32_t, double> pa, pb;
  std::map<std::pair<int32_t, int32_t>, double> pab;
  for (size_t i = 0; i < n; ++i) {
    pa[a[i]] += 1.0 / n;
    pb[b[i]] += 1.0 / n;
    pab[{a[i], b[i]}] += 1.0 / n;
  }
  double ha = 0, hb = 0, mi = 0;
  for (const auto& [label, p] : pa) ha -= p * std::log(p);
  for (const auto& [label, p] : pb) hb -= p * std::log(p);
  for (const auto& [labels, p] : pab)
    mi += p * std::log(p / (pa[labels.first] * pb[labels.second]));
  if (pa.size() == 1 && pb.size() == 1) return 1;
  const double denom = (ha + hb) / 2;
  if (denom <= 0) return 0;
  return std::clamp(mi / denom, 0.0, 1.0);
}

}  // namespace moe::train
