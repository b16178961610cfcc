// Training the language model in chunks: train_steps(n) runs n steps and returns each step's
// loss and expert loads, so a page can plot between chunks and cancel; the state (weights, Adam
// moments, step, selection bias) lives in the object, so 3 + 7 steps give the bits of 10.
// One step s: the batch of lm_batch_windows(seed, s); loss and gradient of
// lm_train_forward_backward; AdamW at the schedule's lr for s, after global-norm clipping; then,
// with bias_gamma > 0, DeepSeek's loss-free balancing per layer:
//   b[l,e] += γ · sign(mean_e' load[l,e'] − load[l,e])        (selection only, no gradient)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_train_model.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/result.hpp"
#include "moe/train/optimizer.hpp"

namespace moe::lm {

struct LmTrainConfig {
  LmTrainShape shape;
  int batch = 8;         // B windows per step
  int seq_len = 64;      // T tokens per window (≤ max_position_embeddings)
  uint64_t seed = 1;     // initial weights (lm_weights_init_seeded) and batch order
  train::LrSchedule lr;  // warm-up and cosine decay; lr.total = the run's steps
  float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
  float weight_decay = 0.1f;  // AdamW; not on embeddings and norms (no_decay_ranges)
  float clip = 1.0f;          // global gradient norm (0 = off)
  float bias_gamma = 0.0f;    // loss-free balancing step γ (0 = off)
  // Threads of the step's products (train/linalg_kernels.hpp): the same bits for every count.
#if defined(__EMSCRIPTEN__)
  int threads = 1;
#else
  int threads = 2;
#endif
};

struct LmStepStats {
  int step = 0;          // 0-based index of the step
  double loss = 0;       // mean next-token loss of the step's batch (before the update)
  double aux = 0;        // Σ of the coefficient-weighted aux terms
  double grad_norm = 0;  // before clipping
  float lr = 0;
  std::vector<std::vector<int32_t>> expert_load;  // [L][E] assignments before capacity
};

class LmTrainer {
 public:
  // Checks the config (errors `batch`, `seq_len`, `lr...`, `config.<field>`, `router`) and the
  // tokens (`train_tokens`: more than seq_len of them, each below vocab_size). Weights: seeded,
  // or `initial` (flat LmParamLayout order) when given.
  static Result<LmTrainer> create(const LmTrainConfig& config, std::vector<int32_t> train_tokens,
                                  const std::vector<float>* initial = nullptr);

  std::vector<LmStepStats> train_steps(int n);

  // Mean next-token loss over windows [W, T+1] (from lm_heldout_windows), B at a time.
  double evaluate(const std::vector<int32_t>& windows, int T);
  // Each layer's top-k ids [L][B·T·k] for windows [B, T+1] (the routing of an evaluation text).
  std::vector<std::vector<int32_t>> route(const std::vector<int32_t>& windows, int B, int T);
  // The ids the model writes after `prompt` now, picked as lm_generate picks them (greedy, or
  // seeded top-p), through the training forward with this trainer's router kind and selection
  // bias: a loss-free-bias run writes with the routing it trains with, which a checkpoint (no
  // bias) would not. No KV cache: token i reruns the forward over prompt + i tokens, cheap at the
  // sizes that train in a page. Errors: check_generate_request's (`prompt...`, `options.<field>`).
  Result<std::vector<int32_t>> generate(std::span<const int32_t> prompt,
                                        const GenerateOptions& options);

  int step() const { return step_; }
  const LmTrainConfig& config() const { return config_; }
  const std::vector<float>& params() const { return params_; }
  const std::vector<float>& selection_bias() const { return bias_; }  // [L, E]
  // The weights under their HF names; a sigmoid router's blocks carry the selection bias as
  // correction_bias (e_score_correction_bias), so a checkpoint routes as the trainer does.
  LmWeights weights() const;

 private:
  LmTrainer() = default;
  const float* bias_or_null() const;

  LmTrainConfig config_;
  std::vector<int32_t> tokens_;
  std::vector<float> params_, grad_, bias_;
  std::vector<int32_t> windows_;  // [B, T+1] this step's batch
  train::Optimizer optimizer_;
  LmTrainWorkspace<float> ws_;
  int step_ = 0;
};

}  // namespace moe::lm
