#include "moe/train/dataset.hpp"

#include <cmath>
#include <sstream>

#include "moe/calc/embed.hpp"
#include "moe/rng.hpp"

namespace moe::train {

namespace detail {
extern const char* const kCorpusText;  // corpus_data.cpp, generated from engine/data/corpus.txt
}

namespace {

// Splits the corpus file: "@topic NAME" lines start a topic, blank lines end a paragraph, "#"
// lines are comments; paragraph lines are joined with spaces.
std::vector<CorpusParagraph> parse_corpus(std::string_view text) {
  std::vector<CorpusParagraph> out;
  std::string topic, para;
  const auto flush = [&] {
    if (!para.empty() && !topic.empty()) out.push_back({topic, para});
    para.clear();
  };
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("#", 0) == 0) continue;
    if (line.rfind("@topic ", 0) == 0) {
      flush();
      topic = line.substr(7);
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      flush();
      continue;
    }
    if (!para.empty()) para += ' ';
    para += line;
  }
  flush();
  return out;
}

void fill_normal(SplitMix64& rng, std::vector<float>& v, double stddev) {
  for (float& w : v) w = static_cast<float>(stddev * rng.next_normal());
}

// y[r] = M · x[r] for M [d, d]
void apply_map(const float* m, const float* x, float* y, int d) {
  for (int o = 0; o < d; ++o) {
    float s = 0;
    for (int i = 0; i < d; ++i) s += m[o * d + i] * x[i];
    y[o] = s;
  }
}

float rms_scale(const std::vector<float>& v) {
  double sq = 0;
  for (float w : v) sq += static_cast<double>(w) * w;
  const double rms = std::sqrt(sq / static_cast<double>(v.size()));
  return rms > 0 ? static_cast<float>(1.0 / rms) : 1.0f;
}

}  // namespace

SurfaceClass surface_class_of(const float* f) {
  if (f[0] > 0) return SurfaceClass::number;
  if (f[1] >= 1.0f) return SurfaceClass::punctuation;
  if (f[6] > 0) return SurfaceClass::function_word;
  if (f[2] > 0) return SurfaceClass::capitalised;
  if (f[3] <= 0.4f + 1e-6f) return SurfaceClass::short_word;
  return SurfaceClass::long_word;
}

const std::vector<CorpusParagraph>& corpus_paragraphs() {
  static const std::vector<CorpusParagraph> paragraphs = parse_corpus(detail::kCorpusText);
  return paragraphs;
}

void Dataset::embed_features(const float* features, int T, float* x_out) const {
  for (int t = 0; t < T; ++t) {
    for (int o = 0; o < d; ++o) {
      float s = 0;
      for (int i = 0; i < kEmbedFeatures; ++i) {
        s += projection[o * kEmbedFeatures + i] * features[t * kEmbedFeatures + i];
      }
      x_out[static_cast<size_t>(t) * d + o] = x_scale * s;
    }
  }
}

Result<Dataset> make_dataset(const TrainConfig& config) {
  Dataset ds;
  ds.task = config.task;
  const int d = ds.d = config.shape().d_model;
  SplitMix64 rng(config.data_seed);
  if (config.task == TaskKind::tokens) {
    std::vector<float> features;  // [N, 8]
    for (const CorpusParagraph& p : corpus_paragraphs()) {
      Result<Embedding> emb = embed_text(p.text);
      if (!emb.ok()) return Error{"corpus", emb.error().message()};
      int topic = -1;
      for (size_t i = 0; i < ds.topic_names.size(); ++i) {
        if (ds.topic_names[i] == p.topic) topic = static_cast<int>(i);
      }
      if (topic < 0) {
        topic = static_cast<int>(ds.topic_names.size());
        ds.topic_names.push_back(p.topic);
      }
      const Embedding& e = emb.value();
      for (size_t t = 0; t < e.tokens.size(); ++t) {
        const float* f = e.features.data() + t * kEmbedFeatures;
        ds.tokens.push_back(e.tokens[t]);
        ds.surface.push_back(static_cast<int32_t>(surface_class_of(f)));
        ds.topic.push_back(topic);
        features.insert(features.end(), f, f + kEmbedFeatures);
      }
    }
    ds.size = static_cast<int>(ds.tokens.size());
    ds.projection.resize(static_cast<size_t>(d) * kEmbedFeatures);
    fill_normal(rng, ds.projection, 1.0);
    ds.x.resize(static_cast<size_t>(ds.size) * d);
    ds.embed_features(features.data(), ds.size, ds.x.data());
    ds.x_scale = rms_scale(ds.x);
    ds.embed_features(features.data(), ds.size, ds.x.data());
    std::vector<float> maps(static_cast<size_t>(kSurfaceClasses) * d * d);  // [C, d, d]
    fill_normal(rng, maps, 1.0 / std::sqrt(static_cast<double>(d)));
    ds.y.resize(ds.x.size());
    for (int t = 0; t < ds.size; ++t) {
      apply_map(maps.data() + static_cast<size_t>(ds.surface[t]) * d * d,
                ds.x.data() + static_cast<size_t>(t) * d, ds.y.data() + static_cast<size_t>(t) * d,
                d);
    }
  } else {
    const int K = config.num_clusters, N = 4096;
    ds.size = N;
    std::vector<float> centres(static_cast<size_t>(K) * d), maps(static_cast<size_t>(K) * d * d);
    fill_normal(rng, centres, 1.0);
    fill_normal(rng, maps, 1.0 / std::sqrt(static_cast<double>(d)));
    ds.x.resize(static_cast<size_t>(N) * d);
    ds.y.resize(ds.x.size());
    ds.cluster.resize(N);
    for (int t = 0; t < N; ++t) {
      const int k = static_cast<int>(rng.next_u64() % static_cast<uint64_t>(K));
      ds.cluster[t] = k;
      float* xt = ds.x.data() + static_cast<size_t>(t) * d;
      for (int i = 0; i + 1 < d; ++i) {
        xt[i] =
            centres[static_cast<size_t>(k) * d + i] + static_cast<float>(0.5 * rng.next_normal());
      }
      xt[d - 1] = 1.0f;
      apply_map(maps.data() + static_cast<size_t>(k) * d * d, xt,
                ds.y.data() + static_cast<size_t>(t) * d, d);
    }
  }
  const float ys = rms_scale(ds.y);
  for (float& v : ds.y) v *= ys;
  return ds;
}

}  // namespace moe::train
