#include "moe/train/trainer.hpp"

#include <algorithm>
#include <cmath>

#include "moe/calc/embed.hpp"
#include "moe/train/stats.hpp"

namespace moe::train {

namespace {

// P_e = (1/T) Σ_t q[t,e]: the P of the Switch loss, from a pass's normalised affinities.
void mean_router_prob(const std::vector<float>& q, int T, int E, float* out) {  // q [T,E], out [E]
  std::vector<double> sum(E, 0.0);
  for (int t = 0; t < T; ++t) {
    for (int e = 0; e < E; ++e) sum[e] += q[static_cast<size_t>(t) * E + e];
  }
  for (int e = 0; e < E; ++e) out[e] = T > 0 ? static_cast<float>(sum[e] / T) : 0.0f;
}

}  // namespace

Result<Trainer> Trainer::create(const TrainConfig& config) {
  Trainer tr;
  tr.config_ = config;
  Result<Dataset> data = make_dataset(config);
  if (!data.ok()) return data.error();
  tr.data_ = std::move(data.value());
  const ModelShape& s = config.shape();
  const int d = s.d_model, E = s.num_experts;
  if (config.seq_len > tr.data_.size) {
    return Error{"config.seq_len", "must be <= the dataset's " + std::to_string(tr.data_.size) +
                                       " tokens, got " + std::to_string(config.seq_len)};
  }

  // Seeded initialisation: router N(0, scale²/d), experts N(0, 1/fan_in), in layout order.
  SplitMix64 rng(config.seed);
  tr.params_.resize(s.num_params());
  const double router_std = config.router_init_scale / std::sqrt(static_cast<double>(d));
  for (size_t i = 0; i < s.router_size(); ++i) {
    tr.params_[i] = static_cast<float>(router_std * rng.next_normal());
  }
  for (int e = 0; e < E; ++e) {
    const size_t begin = s.w1_offset(e), w2 = s.w2_offset(e), end = begin + s.expert_size();
    for (size_t i = begin; i < end; ++i) {
      const int fan_in = i < w2 ? d : s.d_ff;
      tr.params_[i] =
          static_cast<float>(rng.next_normal() / std::sqrt(static_cast<double>(fan_in)));
    }
  }
  // Skew: add skew · x̄ / ‖x̄‖² to expert 0's router row, so its logit on the mean input rises by
  // `skew` (the collapse lesson's "one expert starts slightly ahead").
  if (config.router_skew != 0.0f) {
    std::vector<double> mean(d, 0.0);
    for (int t = 0; t < tr.data_.size; ++t) {
      for (int i = 0; i < d; ++i)
        mean[i] += tr.data_.x[static_cast<size_t>(t) * d + i] / tr.data_.size;
    }
    double sq = 0;
    for (double v : mean) sq += v * v;
    if (sq > 0) {
      for (int i = 0; i < d; ++i)
        tr.params_[i] += static_cast<float>(config.router_skew * mean[i] / sq);
    }
  }
  tr.grad_.assign(s.num_params(), 0.0f);
  tr.bias_.assign(E, 0.0f);
  tr.optimizer_ = Optimizer(config.optimizer, s.num_params());
  tr.batch_rng_ = SplitMix64(config.seed * 0x9E3779B97F4A7C15ull + 0x5EEDull);
  tr.xb_.resize(static_cast<size_t>(config.batch) * d);
  tr.yb_.resize(tr.xb_.size());
  return tr;
}

ChunkResult Trainer::run(int steps) {
  ChunkResult out;
  out.first_step = step_;
  out.selection_bias = bias_;  // [E] overwritten after the steps below
  if (steps <= 0) return out;
  const ModelShape& s = config_.shape();
  const int d = s.d_model, E = s.num_experts, B = config_.batch, S = config_.seq_len;
  const bool use_bias = config_.balancing == BalancingKind::aux_free_bias;
  out.steps = steps;
  out.loss.resize(steps);
  out.aux_loss.resize(steps);
  out.expert_load.resize(static_cast<size_t>(steps) * E);
  out.router_prob.resize(static_cast<size_t>(steps) * E);
  for (int it = 0; it < steps; ++it) {
    // batch: B / S windows of S consecutive dataset rows
    const uint64_t starts = static_cast<uint64_t>(data_.size - S + 1);
    for (int w = 0; w < B / S; ++w) {
      const size_t start = static_cast<size_t>(batch_rng_.next_u64() % starts);
      const size_t n = static_cast<size_t>(S) * d;
      std::copy_n(data_.x.begin() + start * d, n, xb_.begin() + w * n);
      std::copy_n(data_.y.begin() + start * d, n, yb_.begin() + w * n);
    }
    const LossParts parts = model_forward_backward<float>(
        s, config_.coefs, params_.data(), use_bias ? bias_.data() : nullptr, xb_.data(), yb_.data(),
        B, S, grad_.data(), ws_, noise_seed_for_step(config_.seed, step_));  // noisy_topk: ε
    optimizer_.step(params_.data(), grad_.data());
    if (use_bias) {  // b_e += γ · sign(mean load - load_e)
      double mean = 0;
      for (int e = 0; e < E; ++e) mean += static_cast<double>(ws_.expert_load[e]) / E;
      for (int e = 0; e < E; ++e) {
        const double gap = mean - ws_.expert_load[e];
        bias_[e] += gap > 0 ? config_.bias_gamma : gap < 0 ? -config_.bias_gamma : 0.0f;
      }
    }
    out.loss[it] = static_cast<float>(parts.task);
    out.aux_loss[it] = static_cast<float>(parts.aux(config_.coefs));
    const std::vector<float> frac = load_fractions(ws_.expert_load);
    std::copy(frac.begin(), frac.end(), out.expert_load.begin() + static_cast<size_t>(it) * E);
    mean_router_prob(ws_.probs, B, E, out.router_prob.data() + static_cast<size_t>(it) * E);
    ++step_;
  }
  out.selection_bias = bias_;
  return out;
}

TrainStats Trainer::stats() {
  TrainStats st;
  const ModelShape& s = config_.shape();
  const int N = data_.size;
  const bool use_bias = config_.balancing == BalancingKind::aux_free_bias;
  const LossParts parts = model_forward_backward<float>(
      s, config_.coefs, params_.data(), use_bias ? bias_.data() : nullptr, data_.x.data(),
      data_.y.data(), N, 0, nullptr, ws_);
  st.task_loss = parts.task;
  st.expert_load = load_fractions(ws_.expert_load);
  st.load_cv = load_cv(st.expert_load);
  st.max_share = max_share(st.expert_load);
  const int E = s.num_experts;
  st.router_prob.resize(E);
  mean_router_prob(ws_.probs, N, E, st.router_prob.data());
  st.switch_term.resize(E);
  for (int e = 0; e < E; ++e) st.switch_term[e] = E * st.expert_load[e] * st.router_prob[e];
  st.switch_loss = parts.switch_aux;
  std::vector<int32_t> top1(N);
  for (int t = 0; t < N; ++t) top1[t] = ws_.top_expert[t];
  if (!data_.surface.empty()) {
    st.has_surface = true;
    st.nmi_surface = normalized_mutual_information(top1, data_.surface);
  }
  if (!data_.topic.empty()) {
    st.has_topic = true;
    st.nmi_topic = normalized_mutual_information(top1, data_.topic);
  }
  if (!data_.cluster.empty()) {
    st.has_cluster = true;
    st.nmi_cluster = normalized_mutual_information(top1, data_.cluster);
  }
  return st;
}

Result<std::vector<int32_t>> Trainer::assign(std::string_view text) {
  if (config_.task != TaskKind::tokens) {
    return Error{"assign", "only the tokens task embeds text (this trainer's task is " +
                               std::string(to_string(config_.task)) + ")"};
  }
  Result<Embedding> emb = embed_text(text);
  if (!emb.ok()) return emb.error();
  const int T = static_cast<int>(emb.value().tokens.size());
  std::vector<int32_t> top1(T);
  if (T == 0) return top1;
  std::vector<float> x(static_cast<size_t>(T) * config_.shape().d_model);
  data_.embed_features(emb.value().features.data(), T, x.data());
  const bool use_bias = config_.balancing == BalancingKind::aux_free_bias;
  Workspace<float> ws;
  model_forward_backward<float>(config_.shape(), config_.coefs, params_.data(),
                                use_bias ? bias_.data() : nullptr, x.data(), nullptr, T, 0, nullptr,
                                ws);
  for (int t = 0; t < T; ++t) top1[t] = ws.top_expert[t];
  return top1;
}

}  // namespace moe::train
