// Live training in chunks: a Trainer holds the model, its optimiser and its data; run(steps)
// trains that many steps and returns what the page plots, so the caller (a Web Worker, the CLI)
// can draw and cancel between chunks. Deterministic: the same config gives the same numbers.
//
// One step: sample `batch` tokens as batch/seq_len windows of seq_len consecutive rows of the
// dataset → forward + backward (model.hpp) → clip → SGD/Adam → (aux_free_bias) update the
// selection bias b_e += γ · sign(mean load - load_e) from this step's loads.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "moe/result.hpp"
#include "moe/rng.hpp"
#include "moe/train/config.hpp"
#include "moe/train/dataset.hpp"
#include "moe/train/model.hpp"
#include "moe/train/optimizer.hpp"

namespace moe::train {

struct ChunkResult {
  int steps = 0;                      // steps run in this chunk
  int first_step = 0;                 // global index of the first of them (0-based)
  std::vector<float> loss;            // [steps] task loss (MSE)
  std::vector<float> aux_loss;        // [steps] Σ coefficient · aux term
  std::vector<float> expert_load;     // [steps, E] fractions of the step's (token, slot) pairs
  std::vector<float> router_prob;     // [steps, E] P_e: mean over the step's tokens of q[t,e]
  std::vector<float> selection_bias;  // [E] b_e after the chunk (all 0 unless aux_free_bias)
};

struct TrainStats {
  std::vector<float> expert_load;  // [E] fractions over the whole dataset (all k slots)
  double load_cv = 0;              // CV of expert_load
  double max_share = 0;            // max of expert_load
  std::vector<float> router_prob;  // [E] P_e over the whole dataset (mean normalised affinity)
  std::vector<float> switch_term;  // [E] E · f_e · P_e; Σ_e = switch_loss
  double switch_loss = 0;          // the Switch term as the model computes it (unweighted)
  double task_loss = 0;            // MSE over the whole dataset
  bool has_surface = false, has_topic = false, has_cluster = false;
  double nmi_surface = 0, nmi_topic = 0, nmi_cluster = 0;  // top-1 expert vs label
};

class Trainer {
 public:
  static Result<Trainer> create(const TrainConfig& config);

  // Trains `steps` more steps (steps >= 0).
  ChunkResult run(int steps);

  // Routing and loss of the current model over the whole dataset.
  TrainStats stats();

  // Top-1 expert of each token of `text` (tokens task only): tokens as embed_text splits them.
  Result<std::vector<int32_t>> assign(std::string_view text);

  const TrainConfig& config() const { return config_; }
  const Dataset& dataset() const { return data_; }
  const std::vector<float>& params() const { return params_; }
  const std::vector<float>& selection_bias() const { return bias_; }
  int step() const { return step_; }

 private:
  Trainer() = default;

  TrainConfig config_;
  Dataset data_;
  std::vector<float> params_;  // [P] (model.hpp layout)
  std::vector<float> grad_;    // [P]
  std::vector<float> bias_;    // [E] selection bias (aux_free_bias)
  Optimizer optimizer_;
  SplitMix64 batch_rng_{0};
  Workspace<float> ws_;
  std::vector<float> xb_, yb_;  // [batch, d]
  int step_ = 0;
};

}  // namespace moe::train
