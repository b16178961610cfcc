// Training data with labels an expert can specialise on.
//
// tokens: the corpus shipped in engine/data/corpus.txt (16 original paragraphs, 4 topics), each
//   paragraph embedded by embed_text into 8 features f [8]. Input and target of a token of
//   surface class c:
//     x = a · P · f          P [d, 8] fixed random N(0, 1)
//     y = b · M_c · x        M_c [d, d] fixed random N(0, 1/d), one per surface class
//   a and b scale x and y to unit root-mean-square over the corpus. The best predictor applies a
//   different linear map per surface class, so experts can specialise by class; the router sees
//   the features that define the class (digit, punct, function_word, capital, length). Topic is
//   not in the features, so top-1 choices carry little information about topic.
// clusters: N = 4096 points from K clusters: x = (c_k + 0.5 · n, 1) with centres c_k ~ N(0, I)
//   in d - 1 dimensions and a constant last coordinate; y = b · A_k · x with A_k ~ N(0, 1/d).
// Everything is drawn from the config's data_seed, independent of the model seed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "moe/result.hpp"
#include "moe/train/config.hpp"

namespace moe::train {

// Surface class of a token, first match wins.
enum class SurfaceClass : int32_t {
  number,         // contains a digit
  punctuation,    // only punctuation characters
  function_word,  // the, of, and, ... (embed.hpp's list)
  capitalised,    // starts with an uppercase letter
  short_word,     // at most 4 characters
  long_word,      // anything else
};
inline constexpr int kSurfaceClasses = 6;
inline constexpr std::array<std::string_view, kSurfaceClasses> kSurfaceClassNames = {
    "number", "punctuation", "function_word", "capitalised", "short_word", "long_word"};

// The class from a token's embed_text features [8].
SurfaceClass surface_class_of(const float* features);

struct CorpusParagraph {
  std::string topic;
  std::string text;
};
// The paragraphs of engine/data/corpus.txt, in file order.
const std::vector<CorpusParagraph>& corpus_paragraphs();

struct Dataset {
  TaskKind task = TaskKind::tokens;
  int d = 0;
  int size = 0;                     // N
  std::vector<float> x, y;          // [N, d]
  std::vector<std::string> tokens;  // [N] tokens task
  std::vector<int32_t> surface;     // [N] tokens task: SurfaceClass
  std::vector<int32_t> topic;       // [N] tokens task: index into topic_names
  std::vector<int32_t> cluster;     // [N] clusters task
  std::vector<std::string> topic_names;
  std::vector<float> projection;  // [d, 8] tokens task: P
  float x_scale = 1.0f;           // a

  // x[t] = a · P · features[t] for features [T, 8] (tokens task).
  void embed_features(const float* features, int T, float* x_out) const;
};

Result<Dataset> make_dataset(const TrainConfig& config);

}  // namespace moe::train
