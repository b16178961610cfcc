// Statistics of a router's decisions during and after training: how evenly it spreads its load,
// and how much its top-1 choice tells about a label (normalised mutual information).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace moe::train {

// fraction[e] = load[e] / Σ_e' load[e']   (all 0 when nothing was routed)
std::vector<float> load_fractions(std::span<const int32_t> load);

// Coefficient of variation of the loads: population std / mean (0 when the mean is 0).
double load_cv(std::span<const float> fractions);

// max_e fraction[e]: 1/E when balanced, 1 when collapsed onto one expert.
double max_share(std::span<const float> fractions);

// Normalised mutual information of two labelings of the same n items (labels >= 0):
//   NMI(a, b) = I(a; b) / ((H(a) + H(b)) / 2)         (arithmetic normalisation, natural log)
// 1 for identical partitions (whatever the label names), ≈ 0 for independent ones; when both
// labelings put every item in one group it is 1, when only one does it is 0.
double normalized_mutual_information(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace moe::train
