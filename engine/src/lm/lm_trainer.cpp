#include "moe/lm/lm_trainer.hpp"

#include <algorithm>
#include <string>

#include "moe/kernels/thread_pool.hpp"
#include "moe/lm/lm_batches.hpp"
#include "moe/train/linalg_kernels.hpp"

namespace moe::lm {

Result<LmTrainer> LmTrainer::create(const LmTrainConfig& config, std::vector<int32_t> tokens,
                                    const std::vector<float>* initial) {
  Result<bool> shape = check_lm_train_shape(config.shape);
  if (!shape.ok()) return shape.error();
  const LmConfig& c = config.shape.config;
  if (config.batch < 1 || config.batch > 4096) {
    return Error{"batch", "must be between 1 and 4096, got " + std::to_string(config.batch)};
  }
  if (config.seq_len < 1 || config.seq_len > c.max_position_embeddings) {
    return Error{"seq_len", "must be between 1 and max_position_embeddings (" +
                                std::to_string(c.max_position_embeddings) + "), got " +
                                std::to_string(config.seq_len)};
  }
  if (!(config.lr.peak > 0) || !(config.lr.floor >= 0) || config.lr.floor > config.lr.peak) {
    return Error{"lr", "needs 0 < lr and 0 <= min_lr <= lr"};
  }
  if (config.lr.warmup < 0 || config.lr.total < 1) {
    return Error{"steps", "needs steps >= 1 and warmup >= 0"};
  }
  if (tokens.size() <= static_cast<size_t>(config.seq_len)) {
    return Error{"train_tokens", "needs more than seq_len (" + std::to_string(config.seq_len) +
                                     ") tokens, got " + std::to_string(tokens.size())};
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.vocab_size) {
      return Error{"train_tokens[" + std::to_string(i) + "]",
                   "must be a token id below vocab_size (" + std::to_string(c.vocab_size) +
                       "), got " + std::to_string(tokens[i])};
    }
  }
  if (config.threads < 1 || config.threads > max_threads()) {
    return Error{"threads", "must be between 1 and " + std::to_string(max_threads()) +
                                " in this build, got " + std::to_string(config.threads)};
  }
  if (config.threads > thread_count()) {
    if (Result<bool> set = set_thread_count(config.threads); !set.ok()) {
      return Error{"threads", set.error().reason};
    }
  }
  const LmParamLayout layout(config.shape);
  if (initial && initial->size() != layout.total) {
    return Error{"weights", "expected " + std::to_string(layout.total) + " parameters, got " +
                                std::to_string(initial->size())};
  }
  LmTrainer t;
  t.config_ = config;
  t.tokens_ = std::move(tokens);
  t.params_ = initial
                  ? *initial
                  : lm_params_from_weights(lm_weights_init_seeded(c, config.seed), config.shape);
  t.grad_.assign(layout.total, 0.0f);
  t.bias_.assign(static_cast<size_t>(c.num_hidden_layers) * c.num_local_experts, 0.0f);
  train::OptimizerConfig o;
  o.kind = train::OptimizerKind::adam;
  o.lr = config.lr.at(0);
  o.beta1 = config.beta1;
  o.beta2 = config.beta2;
  o.eps = config.eps;
  o.clip = config.clip;
  o.weight_decay = config.weight_decay;
  o.no_decay = layout.no_decay_ranges();
  t.optimizer_ = train::Optimizer(o, layout.total);
  return t;
}

const float* LmTrainer::bias_or_null() const {
  const bool uses_bias =
      config_.bias_gamma > 0 || config_.shape.moe.router == RouterKind::sigmoid_grouped_topk_bias;
  return uses_bias ? bias_.data() : nullptr;
}

LmWeights LmTrainer::weights() const {
  LmWeights w = lm_weights_from_params(params_.data(), config_.shape);
  const LmConfig& c = config_.shape.config;
  if (c.router_kind != RouterKind::sigmoid_grouped_topk_bias) return w;
  const size_t E = static_cast<size_t>(c.num_local_experts);
  for (size_t l = 0; l < w.layers.size(); ++l) {
    w.layers[l].moe.correction_bias.assign(bias_.begin() + l * E, bias_.begin() + (l + 1) * E);
  }
  return w;
}

std::vector<LmStepStats> LmTrainer::train_steps(int n) {
  const train::TrainThreadsScope threads(config_.threads);
  const int B = config_.batch, T = config_.seq_len;
  const int L = config_.shape.config.num_hidden_layers, E = config_.shape.config.num_local_experts;
  std::vector<LmStepStats> out;
  windows_.resize(static_cast<size_t>(B) * (T + 1));
  for (int i = 0; i < n; ++i, ++step_) {
    lm_batch_windows(tokens_, B, T, config_.seed, step_, windows_.data());
    const LmLoss loss = lm_train_forward_backward<float>(
        config_.shape, params_.data(), bias_or_null(), windows_.data(), B, T, grad_.data(), ws_);
    LmStepStats s;
    s.step = step_;
    s.loss = loss.next_token;
    s.aux = loss.aux;
    s.lr = config_.lr.at(step_);
    optimizer_.set_lr(s.lr);
    s.grad_norm = optimizer_.step(params_.data(), grad_.data());
    s.expert_load.resize(static_cast<size_t>(L));
    for (int l = 0; l < L; ++l) {
      const std::vector<int32_t>& load = ws_.layers[static_cast<size_t>(l)].moe_ws.expert_load;
      s.expert_load[static_cast<size_t>(l)].assign(load.begin(), load.begin() + E);
      if (config_.bias_gamma <= 0) continue;
      double mean = 0;
      for (int e = 0; e < E; ++e) mean += load[static_cast<size_t>(e)];
      mean /= E;
      for (int e = 0; e < E; ++e) {
        const double gap = mean - load[static_cast<size_t>(e)];
        float& b = bias_[static_cast<size_t>(l) * E + static_cast<size_t>(e)];
        b += config_.bias_gamma * static_cast<float>((gap > 0) - (gap < 0));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

double LmTrainer::evaluate(const std::vector<int32_t>& windows, int T) {
  const train::TrainThreadsScope threads(config_.threads);
  LmTrainWorkspace<float> ws;
  return lm_heldout_loss(windows, T, config_.batch, [&](const int32_t* batch, int B) {
    return lm_train_forward_backward<float>(config_.shape, params_.data(), bias_or_null(), batch, B,
                                            T, nullptr, ws)
        .next_token;
  });
}

std::vector<std::vector<int32_t>> LmTrainer::route(const std::vector<int32_t>& windows, int B,
                                                   int T) {
  const train::TrainThreadsScope threads(config_.threads);
  LmTrainWorkspace<float> ws;
  lm_train_forward_backward<float>(config_.shape, params_.data(), bias_or_null(), windows.data(), B,
                                   T, nullptr, ws);
  std::vector<std::vector<int32_t>> ids;
  for (const LmTrainLayer<float>& l : ws.layers) ids.push_back(l.moe_ws.topk_ids);
  return ids;
}

Result<std::vector<int32_t>> LmTrainer::generate(std::span<const int32_t> prompt,
                                                 const GenerateOptions& options) {
  const LmConfig& c = config_.shape.config;
  if (Result<bool> ok = check_generate_request(c, prompt, options); !ok.ok()) return ok.error();
  const size_t V = static_cast<size_t>(c.vocab_size);
  SplitMix64 rng(options.seed);
  LmTrainWorkspace<float> ws;
  std::vector<int32_t> window(prompt.begin(), prompt.end());  // [1, T+1]: the text, one target
  std::vector<int32_t> out;
  for (int i = 0; i < options.max_new_tokens; ++i) {
    const int T = static_cast<int>(window.size());
    window.push_back(0);  // a target only: it changes the loss, never the logits
    lm_train_forward_backward<float>(config_.shape, params_.data(), bias_or_null(), window.data(),
                                     1, T, nullptr, ws);
    const std::span<const float> last(ws.logits.data() + static_cast<size_t>(T - 1) * V, V);
    window.back() = pick_next(last, options, rng);
    out.push_back(window.back());
    if (ends_generation(c, window.back())) break;
  }
  return out;
}

}  // namespace moe::lm
