#include "moe/lm/lm_train_recipe.hpp"

#include <optional>
#include <string>

#include "moe/kernels/thread_pool.hpp"
#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/train_json_fields.hpp"
#include "moe/spec/config.hpp"

namespace moe::lm {

#define MOE_TRY(expr)                         \
  if (std::optional<Error> e_ = (expr); e_) { \
    return *e_;                               \
  }

Result<LmTrainRecipe> read_lm_train_recipe(const nlohmann::json& doc,
                                           std::span<const std::string_view> caller_fields) {
  if (!doc.is_object()) return Error{"TRAIN.json", "must be a JSON object"};
  LmTrainRecipe r;
  TrainJsonFields f(doc);
  for (std::string_view key : caller_fields) f.allow(std::string(key));
  const nlohmann::json* model = f.object("model");
  if (!model || !model->is_object())
    return Error{"model", "missing (an object of MixtralConfig fields)"};
  if (model->contains("vocab_size")) {
    return Error{"model.vocab_size", "comes from the tokenizer; leave it out"};
  }
  if (model->contains("router_aux_loss_coef")) {
    return Error{"model.router_aux_loss_coef", "comes from balancing.switch_aux; leave it out"};
  }
  r.model = *model;
  std::string router = "softmax_topk_renorm";
  MOE_TRY(f.string("router_kind", false, router));
  double cf = 1.0;
  MOE_TRY(f.number("capacity_factor", 1e-3, 64, cf));
  int64_t batch = 8, seq_len = 64, warmup = 0, seed = 1;
  MOE_TRY(f.integer("batch", 1, 4096, batch));
  MOE_TRY(f.integer("seq_len", 1, 1 << 16, seq_len));
  MOE_TRY(f.integer("steps", 1, 10'000'000, r.steps));
  MOE_TRY(f.integer("warmup", 0, 10'000'000, warmup));
  MOE_TRY(f.integer("seed", 0, int64_t{1} << 53, seed));
  double lr = 3e-3, min_lr = 3e-4, wd = 0.1, clip = 1.0, beta1 = 0.9, beta2 = 0.95;
  MOE_TRY(f.number("lr", 1e-8, 10, lr));
  MOE_TRY(f.number("min_lr", 0, 10, min_lr));
  MOE_TRY(f.number("weight_decay", 0, 10, wd));
  MOE_TRY(f.number("clip", 0, 1e6, clip));
  MOE_TRY(f.number("beta1", 0, 0.999999, beta1));
  MOE_TRY(f.number("beta2", 0, 0.999999, beta2));
  if (min_lr > lr) return Error{"min_lr", "must be at most lr"};
  int64_t threads = r.train.threads;
  MOE_TRY(f.integer("threads", 1, kMaxThreads, threads));
  train::LossCoefs coefs;
  double gamma = 0;
  if (const nlohmann::json* b = f.object("balancing")) {
    if (!b->is_object()) return Error{"balancing", "must be an object"};
    TrainJsonFields bf(*b);
    MOE_TRY(bf.number("switch_aux", 0, 100, coefs.switch_aux));
    MOE_TRY(bf.number("z_loss", 0, 100, coefs.z_loss));
    MOE_TRY(bf.number("seq_aux", 0, 100, coefs.seq_aux));
    MOE_TRY(bf.number("bias_gamma", 0, 10, gamma));
    if (std::optional<Error> e = bf.unknown()) return Error{"balancing." + e->where, e->reason};
  }
  MOE_TRY(f.unknown());

  LmTrainConfig& t = r.train;
  t.batch = static_cast<int>(batch);
  t.seq_len = static_cast<int>(seq_len);
  t.seed = static_cast<uint64_t>(seed);
  t.lr = {static_cast<float>(lr), static_cast<float>(min_lr), static_cast<int>(warmup),
          static_cast<int>(r.steps)};
  t.weight_decay = static_cast<float>(wd);
  t.clip = static_cast<float>(clip);
  t.beta1 = static_cast<float>(beta1);
  t.beta2 = static_cast<float>(beta2);
  t.bias_gamma = static_cast<float>(gamma);
  t.threads = static_cast<int>(threads);
  t.shape.coefs = coefs;
  // The layer schema's router names (moe/spec/config.hpp), the kinds the LM trainer runs.
  RouterKind kind = RouterKind::softmax_topk_renorm;
  const bool trainable =
      router_kind_from_string(router, kind) &&
      (kind == RouterKind::softmax_topk_renorm || kind == RouterKind::softmax_topk ||
       kind == RouterKind::sigmoid_grouped_topk_bias || kind == RouterKind::softmax_top1_capacity ||
       kind == RouterKind::topk_capacity);
  if (!trainable) {
    return Error{"router_kind",
                 "must be softmax_topk_renorm, softmax_topk, sigmoid_grouped_topk_bias, "
                 "softmax_top1_capacity or topk_capacity, got \"" +
                     router + "\""};
  }
  t.shape.moe.router = kind;
  t.shape.moe.capacity_factor = cf;
  return r;
}

Result<LmTrainConfig> lm_train_config_for(const LmTrainRecipe& recipe, int vocab_size) {
  nlohmann::json model = recipe.model;
  model["vocab_size"] = vocab_size;
  Result<LmConfig> config = parse_lm_config(model);
  if (!config.ok()) {
    std::string where = config.error().where;
    if (where.rfind("config.", 0) == 0) where = "model." + where.substr(7);
    return Error{where, config.error().reason};
  }
  // config.json records the Switch aux coefficient the model is trained with (MixtralConfig's
  // router_aux_loss_coef), as the recipe wrote it.
  config.value().router_aux_loss_coef = recipe.train.shape.coefs.switch_aux;
  config.value().router_kind = recipe.train.shape.moe.router;
  LmTrainConfig tc = recipe.train;
  tc.shape = LmTrainShape::of(config.value());
  tc.shape.moe.capacity_factor = recipe.train.shape.moe.capacity_factor;
  tc.shape.coefs = recipe.train.shape.coefs;
  return tc;
}

Result<LmTrainConfig> lm_train_config_for(const LmTrainRecipe& recipe,
                                          const text::Tokenizer& tokenizer) {
  Result<LmTrainConfig> tc = lm_train_config_for(recipe, tokenizer.vocab_size());
  if (tc.ok() && tc.value().shape.config.eos_token_id < 0) {
    tc.value().shape.config.eos_token_id = end_of_text_id(tokenizer);
  }
  return tc;
}

}  // namespace moe::lm
