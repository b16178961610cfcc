#include "moe/analysis/routing_record.hpp"

#include <cstddef>
#include <string>

namespace moe::analysis {
namespace {

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_letter(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_other_ascii(unsigned char c) {
  return c < 0x80 && !is_space(c) && !is_letter(c) && !is_digit(c);
}

template <class Pred>
bool all_of_bytes(std::string_view s, Pred pred) {
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string layer_field(const char* name, int l) {
  return std::string("record.") + name + "[" + std::to_string(l) + "]";
}

}  // namespace

SurfaceClass surface_class_of_bytes(std::string_view bytes, bool special) {
  if (special) return SurfaceClass::special;
  size_t start = 0;
  while (start < bytes.size() && is_space(static_cast<unsigned char>(bytes[start]))) ++start;
  const std::string_view body = bytes.substr(start);
  if (bytes.empty()) return SurfaceClass::mixed;
  if (body.empty()) return SurfaceClass::whitespace;
  if (all_of_bytes(body, is_letter)) return SurfaceClass::word;
  if (all_of_bytes(body, is_digit)) return SurfaceClass::number;
  if (all_of_bytes(body, is_other_ascii)) return SurfaceClass::punctuation;
  return SurfaceClass::mixed;
}

int32_t RoutingRecord::first_choice(int layer, int n) const {
  return topk_ids[static_cast<size_t>(layer)][static_cast<size_t>(n) * top_k];
}

std::span<const int32_t> RoutingRecord::choices(int layer, int n) const {
  return {topk_ids[static_cast<size_t>(layer)].data() + static_cast<size_t>(n) * top_k,
          static_cast<size_t>(top_k)};
}

RoutingRecord domain_subset(const RoutingRecord& r, int domain) {
  RoutingRecord out;
  out.num_experts = r.num_experts;
  out.top_k = r.top_k;
  out.domain_names = r.domain_names;
  out.topk_ids.resize(r.topk_ids.size());
  out.router_probs.resize(r.router_probs.size());
  const size_t k = static_cast<size_t>(r.top_k), E = static_cast<size_t>(r.num_experts);
  for (size_t n = 0; n < r.token_ids.size(); ++n) {
    if (r.domain[n] != domain) continue;
    out.token_ids.push_back(r.token_ids[n]);
    out.sequence.push_back(r.sequence[n]);
    out.domain.push_back(r.domain[n]);
    out.surface.push_back(r.surface[n]);
    for (size_t l = 0; l < r.topk_ids.size(); ++l) {
      const auto ids = r.topk_ids[l].begin() + static_cast<std::ptrdiff_t>(n * k);
      out.topk_ids[l].insert(out.topk_ids[l].end(), ids, ids + static_cast<std::ptrdiff_t>(k));
      const auto p = r.router_probs[l].begin() + static_cast<std::ptrdiff_t>(n * E);
      out.router_probs[l].insert(out.router_probs[l].end(), p, p + static_cast<std::ptrdiff_t>(E));
    }
  }
  return out;
}

Result<bool> check_routing_record(const RoutingRecord& r) {
  const int E = r.num_experts, k = r.top_k;
  if (E < 1) return Error{"record.num_experts", "must be >= 1, got " + std::to_string(E)};
  if (k < 1 || k > E) {
    return Error{"record.top_k", "must be between 1 and num_experts (" + std::to_string(E) +
                                     "), got " + std::to_string(k)};
  }
  if (r.topk_ids.empty()) return Error{"record.topk_ids", "must hold at least one layer"};
  if (r.router_probs.size() != r.topk_ids.size()) {
    return Error{"record.router_probs", "has " + std::to_string(r.router_probs.size()) +
                                            " layers, topk_ids has " +
                                            std::to_string(r.topk_ids.size())};
  }
  const size_t N = r.token_ids.size();
  const std::pair<const char*, const std::vector<int32_t>*> labels[] = {
      {"sequence", &r.sequence}, {"domain", &r.domain}, {"surface", &r.surface}};
  for (const auto& [name, v] : labels) {
    if (v->size() != N) {
      return Error{
          std::string("record.") + name,
          "has " + std::to_string(v->size()) + " entries for " + std::to_string(N) + " tokens"};
    }
  }
  for (int l = 0; l < r.layers(); ++l) {
    const auto& ids = r.topk_ids[static_cast<size_t>(l)];
    if (ids.size() != N * k) {
      return Error{layer_field("topk_ids", l),
                   "must hold tokens × top_k = " + std::to_string(N * k) + " ids, got " +
                       std::to_string(ids.size())};
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i] >= E) {
        return Error{layer_field("topk_ids", l) + "[" + std::to_string(i) + "]",
                     "must be an expert id in [0, " + std::to_string(E) + "), got " +
                         std::to_string(ids[i])};
      }
    }
    if (r.router_probs[static_cast<size_t>(l)].size() != N * E) {
      return Error{layer_field("router_probs", l),
                   "must hold tokens × num_experts = " + std::to_string(N * E) + " values, got " +
                       std::to_string(r.router_probs[static_cast<size_t>(l)].size())};
    }
  }
  const int D = static_cast<int>(r.domain_names.size());
  for (size_t n = 0; n < N; ++n) {
    if (r.domain[n] < 0 || r.domain[n] >= D) {
      return Error{"record.domain[" + std::to_string(n) + "]",
                   "must index domain_names (" + std::to_string(D) + " names), got " +
                       std::to_string(r.domain[n])};
    }
    if (r.surface[n] < 0 || r.surface[n] >= kSurfaceClasses) {
      return Error{"record.surface[" + std::to_string(n) + "]",
                   "must be a surface class in [0, " + std::to_string(kSurfaceClasses) + "), got " +
                       std::to_string(r.surface[n])};
    }
  }
  return true;
}

}  // namespace moe::analysis
