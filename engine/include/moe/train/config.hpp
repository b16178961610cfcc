// The training configuration (`moe train CONFIG.json`, createTrainer(configJson)) and its JSON
// reader. The layer fields are the inference layer config's (one schema, one reader); the rest
// (task, optimiser, schedule, balancing) is training's own. Every field but `task` is optional;
// unknown fields are errors, so a typo is reported instead of silently ignored. engine/README.md
// "Training config" documents the format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "moe/result.hpp"
#include "moe/spec/config.hpp"
#include "moe/train/model.hpp"
#include "moe/train/optimizer.hpp"

namespace moe::train {

enum class TaskKind {
  tokens,    // the shipped corpus, embedded by embed_text; surface class and topic labels
  clusters,  // synthetic: K Gaussian clusters, each with its own random linear map
};
std::string_view to_string(TaskKind kind);

enum class BalancingKind {
  none,
  switch_aux,      // + α · Switch load-balancing loss
  z_loss,          // + α · router z-loss
  importance_cv2,  // + α · Shazeer importance CV²
  seq_aux,         // + α · DeepSeek-V3 sequence-wise balance loss
  aux_free_bias,   // DeepSeek-V3 bias update b_e += γ · sign(mean load - load_e), no loss
  load_cv2,        // + α · Shazeer smooth-load CV² (noisy_topk only)
};
std::string_view to_string(BalancingKind kind);

// Limits, checked before anything is allocated.
inline constexpr int kMaxTrainDim = 512;        // d_model, d_ff
inline constexpr int kMaxTrainExperts = 64;     // num_experts
inline constexpr int kMaxTrainBatch = 8192;     // tokens per step
inline constexpr int kMaxTrainSteps = 1000000;  // steps, chunk
inline constexpr int kMaxClusters = 64;
inline constexpr int kMaxTrainSlotsPerExpert = 16;       // soft_moe: p
inline constexpr double kMaxTrainCapacityFactor = 64.0;  // capacity kinds

// The layer a training config starts from: every layer field it leaves out takes this value.
inline LayerConfig default_train_layer() {
  LayerConfig c;
  c.d_model = 32;
  c.d_ff = 64;
  c.num_experts = 8;
  c.top_k = 2;  // softmax_top1_capacity: 1
  c.router_kind = RouterKind::softmax_topk_renorm;
  c.expert_kind = ExpertKind::swiglu;
  c.activation = Activation::silu;
  c.capacity_factor = 1.0;
  return c;
}

struct TrainConfig {
  TaskKind task = TaskKind::tokens;
  int num_clusters = 8;  // clusters task: K
  // The layer's fields, named and read as in an inference config (spec/config.hpp
  // read_layer_fields): router_kind, expert_kind, sizes, capacity_factor, slots_per_expert.
  LayerConfig layer = default_train_layer();
  OptimizerConfig optimizer;       // lead segment = the router (router_lr_scale)
  float router_init_scale = 1.0f;  // router weights ~ N(0, scale² / d)
  float router_skew = 0.0f;        // expert 0's logit starts this much higher on the mean input
  int steps = 1000;                // total steps (the CLI; run(steps) takes its own count)
  int chunk = 50;                  // steps per reported chunk (the CLI)
  int batch = 256;                 // tokens per step
  int seq_len = 32;                // tokens per sequence (divides batch; the sequence-wise loss)
  uint64_t seed = 1;               // initialisation and batch order
  uint64_t data_seed = 1234;       // the task: projections, maps, clusters
  BalancingKind balancing = BalancingKind::none;
  LossCoefs coefs;          // the chosen kind's α (plus an optional extra z-loss)
  float bias_gamma = 0.0f;  // aux_free_bias: γ

  // The trainer's view of `layer`.
  ModelShape shape() const { return model_shape(layer); }
};

// Reads a config; error fields start with "config".
Result<TrainConfig> parse_train_config(std::string_view json_text);
Result<TrainConfig> parse_train_config_json(const nlohmann::json& config);

}  // namespace moe::train
