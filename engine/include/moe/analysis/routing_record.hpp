// The routing of a stretch of text, saved once so that each analysis of the published MoE papers
// is a small pure function over it (the arrangement of OLMoE's run_routing_analysis.py). N tokens,
// L layers, E experts, k experts per token.
//
// Each token also carries the labels the analyses group by: its sequence (consecutive-token pairs
// never cross one), its domain (prose, code, ...) and the surface class of its bytes:
//   special      a special token (<|endoftext|>)
//   whitespace   only whitespace bytes (space, tab, newline, CR, FF, VT)
//   word         optional leading whitespace, then letters only (A-Z, a-z, any byte >= 0x80, so a
//                piece of a UTF-8 character counts as a letter, as in the pre-tokenizer)
//   number       optional leading whitespace, then ASCII digits only
//   punctuation  optional leading whitespace, then other ASCII bytes only (symbols, controls)
//   mixed        anything else (`'s`, `__(self`, `3.`)
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moe/result.hpp"

namespace moe::analysis {

enum class SurfaceClass : int32_t { special, whitespace, word, number, punctuation, mixed };
inline constexpr int kSurfaceClasses = 6;
inline constexpr std::array<std::string_view, kSurfaceClasses> kSurfaceClassNames = {
    "special", "whitespace", "word", "number", "punctuation", "mixed"};

// The class of a token from its decoded bytes (see the file comment).
SurfaceClass surface_class_of_bytes(std::string_view bytes, bool special);

struct RoutingRecord {
  int num_experts = 0;                           // E
  int top_k = 0;                                 // k
  std::vector<std::vector<int32_t>> topk_ids;    // [L][N, k]  first choice first
  std::vector<std::vector<float>> router_probs;  // [L][N, E]
  std::vector<int32_t> token_ids;                // [N]
  std::vector<int32_t> sequence;                 // [N]  sequence index of each token
  std::vector<int32_t> domain;                   // [N]  index into domain_names
  std::vector<int32_t> surface;                  // [N]  SurfaceClass
  std::vector<std::string> domain_names;         // [D]

  int layers() const { return static_cast<int>(topk_ids.size()); }
  int tokens() const { return static_cast<int>(token_ids.size()); }
  // topk_ids[layer][n, 0]
  int32_t first_choice(int layer, int n) const;
  // the k ids of token n in `layer`
  std::span<const int32_t> choices(int layer, int n) const;
};

// Sizes agree ([L][N·k], [L][N·E], [N] labels), 1 <= k <= E, expert ids in [0, E), domains in
// [0, D), surface classes valid. Errors name the field (`record.topk_ids[1]: ...`).
Result<bool> check_routing_record(const RoutingRecord& r);

// The tokens of domain d only, in order (labels, routing and domain_names kept, so domain ids stay
// valid): the per-domain view of Mixtral's Table 5, where each analysis sees one domain's loads.
RoutingRecord domain_subset(const RoutingRecord& r, int domain);

// The analyses below assume a checked record and 0 <= layer < L.

}  // namespace moe::analysis
