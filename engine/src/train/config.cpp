#include "moe/train/config.hpp"

#include <array>
#include <span>
#include <utility>

#include "spec/json_fields.hpp"

namespace moe::train {

namespace {

constexpr detail::EnumNames<TaskKind, 2> kTaskKinds = {
    {{"tokens", TaskKind::tokens}, {"clusters", TaskKind::clusters}}};
constexpr detail::EnumNames<BalancingKind, 7> kBalancingKinds = {{
    {"none", BalancingKind::none},
    {"switch_aux", BalancingKind::switch_aux},
    {"z_loss", BalancingKind::z_loss},
    {"importance_cv2", BalancingKind::importance_cv2},
    {"seq_aux", BalancingKind::seq_aux},
    {"aux_free_bias", BalancingKind::aux_free_bias},
    {"load_cv2", BalancingKind::load_cv2},
}};

}  // namespace

std::string_view to_string(TaskKind kind) {
  return detail::name_of(kTaskKinds, kind);
}

std::string_view to_string(BalancingKind kind) {
  return detail::name_of(kBalancingKinds, kind);
}

namespace {

using detail::json;
using detail::MaybeError;

MaybeError opt_seed(const json& obj, std::string_view key, const std::string& where,
                    uint64_t& out) {
  if (!obj.contains(key)) return std::nullopt;
  int64_t v = 0;
  if (MaybeError e = detail::read_int(obj, key, where, 0, (int64_t{1} << 53), v)) return e;
  out = static_cast<uint64_t>(v);
  return std::nullopt;
}

// Optional number within [lo, hi] (and > lo when `open_lo`).
MaybeError opt_float(const json& obj, std::string_view key, const std::string& where, float lo,
                     float hi, bool open_lo, float& out) {
  if (!obj.contains(key)) return std::nullopt;
  const std::string name = detail::field(where, key);
  float v = 0;
  if (MaybeError e = detail::read_finite_float(obj.at(std::string(key)), name, v)) return e;
  if (open_lo ? !(v > lo) : !(v >= lo)) {
    return Error{name, std::string("must be ") + (open_lo ? "> " : ">= ") +
                           detail::describe(json(lo)) + ", got " +
                           detail::describe(obj.at(std::string(key)))};
  }
  if (v > hi) {
    return Error{name, "must be <= " + detail::describe(json(hi)) + ", got " +
                           detail::describe(obj.at(std::string(key)))};
  }
  out = v;
  return std::nullopt;
}

// Optional enum given as one of `names`.
template <class Enum, size_t N>
MaybeError opt_enum(const json& obj, std::string_view key, const std::string& where,
                    const detail::EnumNames<Enum, N>& names, Enum& out) {
  if (!obj.contains(key)) return std::nullopt;
  std::string s;
  if (MaybeError e = detail::read_string(obj, key, where, s)) return e;
  std::string allowed;
  for (const auto& [name, value] : names) {
    if (name == s) {
      out = value;
      return std::nullopt;
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  }
  return Error{detail::field(where, key), "must be one of " + allowed + ", got \"" + s + "\""};
}

// Keys retired when training took the inference layer schema (spec/config.hpp), with their names.
constexpr std::pair<std::string_view, std::string_view> kRenamedKeys[] = {
    {"router", "router_kind"}, {"expert", "expert_kind"}};

// Unknown keys are errors (a typo is reported, not ignored); a retired key names its new name.
MaybeError check_keys(const json& obj, const std::string& where,
                      std::initializer_list<std::string_view> known,
                      std::span<const std::string_view> also_known = {}) {
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (std::string_view k : known) ok |= k == key;
    for (std::string_view k : also_known) ok |= k == key;
    if (ok) continue;
    for (const auto& [old_name, new_name] : kRenamedKeys) {
      if (key == old_name) {
        return Error{
            detail::field(where, key),
            "renamed " + std::string(new_name) + " (the layer fields are the inference config's)"};
      }
    }
    return Error{detail::field(where, key), "unknown field"};
  }
  return std::nullopt;
}

MaybeError read_balancing(const json& b, const std::string& where, TrainConfig& c) {
  if (!b.is_object()) return Error{where, "must be an object, got " + detail::describe(b)};
  if (MaybeError e = check_keys(b, where, {"kind", "alpha", "gamma", "z_loss"})) return e;
  if (!b.contains("kind"))
    return Error{detail::field(where, "kind"), "missing (expected a string)"};
  if (MaybeError e = opt_enum(b, "kind", where, kBalancingKinds, c.balancing)) return e;
  const bool loss_kind =
      c.balancing != BalancingKind::none && c.balancing != BalancingKind::aux_free_bias;
  if (loss_kind && !b.contains("alpha")) {
    return Error{detail::field(where, "alpha"),
                 "missing (kind " + std::string(to_string(c.balancing)) + " needs a coefficient)"};
  }
  if (!loss_kind && b.contains("alpha")) {
    return Error{detail::field(where, "alpha"),
                 "only used by the loss kinds, not by " + std::string(to_string(c.balancing))};
  }
  if (c.balancing == BalancingKind::aux_free_bias && !b.contains("gamma")) {
    return Error{detail::field(where, "gamma"),
                 "missing (kind aux_free_bias needs the bias speed)"};
  }
  if (c.balancing != BalancingKind::aux_free_bias && b.contains("gamma")) {
    return Error{detail::field(where, "gamma"), "only used by kind aux_free_bias"};
  }
  float alpha = 0, extra_z = 0;
  if (MaybeError e = opt_float(b, "alpha", where, 0.0f, 100.0f, false, alpha)) return e;
  if (MaybeError e = opt_float(b, "gamma", where, 0.0f, 10.0f, false, c.bias_gamma)) return e;
  if (MaybeError e = opt_float(b, "z_loss", where, 0.0f, 100.0f, false, extra_z)) return e;
  c.coefs = {};
  c.coefs.z_loss = extra_z;
  switch (c.balancing) {
    case BalancingKind::switch_aux:
      c.coefs.switch_aux = alpha;
      break;
    case BalancingKind::z_loss:
      c.coefs.z_loss += alpha;
      break;
    case BalancingKind::importance_cv2:
      c.coefs.importance_cv2 = alpha;
      break;
    case BalancingKind::seq_aux:
      c.coefs.seq_aux = alpha;
      break;
    case BalancingKind::load_cv2:
      c.coefs.load_cv2 = alpha;
      break;
    default:
      break;
  }
  return std::nullopt;
}

// A capacity kind must give each expert at least one token of a sequence (seq_len groups).
MaybeError check_capacity(const TrainConfig& c) {
  const ModelShape s = c.shape();
  if (!has_expert_capacity(s.router) || capacity_per_sequence(s, c.seq_len) > 0)
    return std::nullopt;
  return Error{"config.capacity_factor",
               "gives experts 0 tokens per sequence (seq_len " + std::to_string(c.seq_len) + ", " +
                   std::to_string(s.num_experts) + " experts): raise capacity_factor or seq_len"};
}

// Balancing kinds that make no sense for the router kind are refused, not ignored.
MaybeError check_balancing_for_router(const TrainConfig& c) {
  const RouterKind r = c.layer.router_kind;
  const BalancingKind b = c.balancing;
  const bool topk_router = r == RouterKind::softmax_topk || r == RouterKind::softmax_topk_renorm ||
                           r == RouterKind::sigmoid_grouped_topk_bias;
  const bool load_loss = b == BalancingKind::switch_aux || b == BalancingKind::importance_cv2 ||
                         b == BalancingKind::seq_aux;
  std::string why;
  if (b == BalancingKind::load_cv2 && r != RouterKind::noisy_topk) {
    why = "the smooth load estimate needs noisy_topk's noise";
  } else if (b == BalancingKind::aux_free_bias && !topk_router) {
    why =
        "the selection bias is defined for softmax_topk, softmax_topk_renorm and "
        "sigmoid_grouped_topk_bias";
  } else if (load_loss && r == RouterKind::expert_choice) {
    why =
        "every expert takes exactly C tokens of each sequence, the load is balanced by "
        "construction";
  } else if (load_loss && r == RouterKind::soft_moe) {
    why = "every expert processes the same number of slots, there is no load to balance";
  }
  if (why.empty()) return std::nullopt;
  return Error{"config.balancing", std::string(to_string(b)) + " does not apply to router " +
                                       std::string(moe::to_string(r)) + ": " + why};
}

MaybeError read_config(const json& j, TrainConfig& c) {
  const std::string where = "config";
  if (!j.is_object()) return Error{where, "must be an object, got " + detail::describe(j)};
  if (MaybeError e =
          check_keys(j, where,
                     {"task", "num_clusters", "optimizer", "lr", "momentum", "beta1", "beta2",
                      "clip", "router_lr_scale", "router_init_scale", "router_skew", "steps",
                      "chunk", "batch", "seq_len", "seed", "data_seed", "balancing"},
                     kLayerFieldNames)) {
    return e;
  }
  if (!j.contains("task")) {
    return Error{"config.task", "missing (expected \"tokens\" or \"clusters\")"};
  }
  if (MaybeError e = opt_enum(j, "task", where, kTaskKinds, c.task)) return e;
  if (MaybeError e =
          detail::read_optional_int(j, "num_clusters", where, 1, kMaxClusters, c.num_clusters))
    return e;
  // The layer: the inference schema with training's defaults (TrainConfig::layer) and caps.
  LayerFieldRules rules;
  rules.defaults = true;
  rules.refuse_unread = true;
  rules.min_d_model = c.task == TaskKind::clusters ? 2 : 1;
  rules.max_dim = kMaxTrainDim;
  rules.max_experts = kMaxTrainExperts;
  rules.max_slots_per_expert = kMaxTrainSlotsPerExpert;
  rules.max_capacity_factor = kMaxTrainCapacityFactor;
  Result<bool> layer = read_layer_fields(j, where, rules, c.layer);
  if (!layer.ok()) return layer.error();
  OptimizerConfig& o = c.optimizer;
  constexpr detail::EnumNames<OptimizerKind, 2> opts = {
      {{"adam", OptimizerKind::adam}, {"sgd", OptimizerKind::sgd}}};
  if (MaybeError e = opt_enum(j, "optimizer", where, opts, o.kind)) return e;
  if (MaybeError e = opt_float(j, "lr", where, 0.0f, 10.0f, true, o.lr)) return e;
  if (MaybeError e = opt_float(j, "momentum", where, 0.0f, 0.999f, false, o.momentum)) return e;
  if (MaybeError e = opt_float(j, "beta1", where, 0.0f, 0.999f, false, o.beta1)) return e;
  if (MaybeError e = opt_float(j, "beta2", where, 0.0f, 0.99999f, false, o.beta2)) return e;
  if (MaybeError e = opt_float(j, "clip", where, 0.0f, 1e6f, false, o.clip)) return e;
  if (MaybeError e =
          opt_float(j, "router_lr_scale", where, 0.0f, 1000.0f, false, o.lead_lr_scale)) {
    return e;
  }
  if (MaybeError e =
          opt_float(j, "router_init_scale", where, 0.0f, 100.0f, false, c.router_init_scale)) {
    return e;
  }
  if (MaybeError e = opt_float(j, "router_skew", where, -100.0f, 100.0f, false, c.router_skew)) {
    return e;
  }
  if (MaybeError e = detail::read_optional_int(j, "steps", where, 1, kMaxTrainSteps, c.steps))
    return e;
  if (MaybeError e = detail::read_optional_int(j, "chunk", where, 1, kMaxTrainSteps, c.chunk))
    return e;
  if (MaybeError e = detail::read_optional_int(j, "batch", where, 1, kMaxTrainBatch, c.batch))
    return e;
  if (!j.contains("seq_len") && c.batch % c.seq_len != 0) c.seq_len = c.batch;
  if (MaybeError e = detail::read_optional_int(j, "seq_len", where, 1, c.batch, c.seq_len))
    return e;
  if (c.batch % c.seq_len != 0) {
    return Error{"config.seq_len", "must divide batch (" + std::to_string(c.batch) + "), got " +
                                       std::to_string(c.seq_len)};
  }
  if (c.task == TaskKind::tokens && c.seq_len > 1024) {
    return Error{"config.seq_len",
                 "must be <= 1024 for the tokens task (the corpus is short), got " +
                     std::to_string(c.seq_len)};
  }
  if (MaybeError e = opt_seed(j, "seed", where, c.seed)) return e;
  if (MaybeError e = opt_seed(j, "data_seed", where, c.data_seed)) return e;
  if (MaybeError e = check_capacity(c)) return e;
  if (j.contains("balancing")) {
    if (MaybeError e = read_balancing(j.at("balancing"), "config.balancing", c)) return e;
  }
  return check_balancing_for_router(c);
}

}  // namespace

Result<TrainConfig> parse_train_config_json(const nlohmann::json& config) {
  TrainConfig c;
  if (MaybeError e = read_config(config, c)) return *e;
  c.optimizer.lead_size = c.shape().router_size();
  return c;
}

Result<TrainConfig> parse_train_config(std::string_view json_text) {
  json j;
  if (MaybeError e = detail::parse_json_text(json_text, j)) return *e;
  return parse_train_config_json(j);
}

}  // namespace moe::train
