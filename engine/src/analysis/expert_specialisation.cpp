#include "moe/analysis/expert_specialisation.hpp"

#include <algorithm>
#include <map>

#include "moe/train/stats.hpp"

namespace moe::analysis {
namespace {

std::vector<int32_t> first_choices(const RoutingRecord& r, int layer) {
  std::vector<int32_t> top1(static_cast<size_t>(r.tokens()));  // [N]
  for (int n = 0; n < r.tokens(); ++n) top1[static_cast<size_t>(n)] = r.first_choice(layer, n);
  return top1;
}

}  // namespace

std::vector<std::vector<double>> expert_share_by_domain(const RoutingRecord& r, int layer) {
  const size_t D = r.domain_names.size(), E = static_cast<size_t>(r.num_experts);
  std::vector<std::vector<double>> share(D, std::vector<double>(E, 0.0));  // [D][E]
  std::vector<int64_t> count(D, 0);                                        // [D]
  for (int n = 0; n < r.tokens(); ++n) {
    const size_t d = static_cast<size_t>(r.domain[static_cast<size_t>(n)]);
    ++count[d];
    for (int32_t e : r.choices(layer, n)) share[d][static_cast<size_t>(e)] += 1.0;
  }
  for (size_t d = 0; d < D; ++d) {
    if (count[d] == 0) continue;
    for (double& s : share[d]) s /= static_cast<double>(count[d]);
  }
  return share;
}

VocabSpecialisation vocabulary_specialisation(const RoutingRecord& r, int layer) {
  const int E = r.num_experts;
  std::map<int32_t, std::vector<int64_t>> counts;  // id → [E] first choices
  for (int n = 0; n < r.tokens(); ++n) {
    std::vector<int64_t>& c = counts[r.token_ids[static_cast<size_t>(n)]];
    if (c.empty()) c.assign(static_cast<size_t>(E), 0);
    ++c[static_cast<size_t>(r.first_choice(layer, n))];
  }
  VocabSpecialisation v;
  int64_t top_total = 0;
  for (const auto& [id, c] : counts) {
    VocabEntry entry;
    entry.token_id = id;
    for (int e = 0; e < E; ++e) {
      entry.count += c[static_cast<size_t>(e)];
      if (c[static_cast<size_t>(e)] > c[static_cast<size_t>(entry.expert)]) entry.expert = e;
    }
    const int64_t top = c[static_cast<size_t>(entry.expert)];
    entry.share = static_cast<double>(top) / static_cast<double>(entry.count);
    top_total += top;
    v.tokens.push_back(entry);
  }
  std::stable_sort(v.tokens.begin(), v.tokens.end(),
                   [](const VocabEntry& a, const VocabEntry& b) { return a.count > b.count; });
  if (r.tokens() > 0) v.mean = static_cast<double>(top_total) / r.tokens();
  return v;
}

double nmi_expert_domain(const RoutingRecord& r, int layer) {
  return train::normalized_mutual_information(first_choices(r, layer), r.domain);
}

double nmi_expert_surface(const RoutingRecord& r, int layer) {
  return train::normalized_mutual_information(first_choices(r, layer), r.surface);
}

}  // namespace moe::analysis
