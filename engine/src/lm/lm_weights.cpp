#include "moe/lm/lm_weights.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "moe/rng.hpp"

namespace moe::lm {
namespace {

std::string layer_prefix(int l) {
  return "model.layers." + std::to_string(l) + ".";
}

// Every parameter of the model as (name, shape, storage), in state-dict order. Both directions
// (load, save, init) walk this one list, so the names are spelled once.
struct Slot {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float>* data;
};

// The MoE block under DeepseekV3ForCausalLM's names (mlp.gate, mlp.experts.{j}, mlp.shared_experts;
// gate_proj = w1, up_proj = w3, down_proj = w2), in its state-dict order.
void push_deepseek_block(std::vector<Slot>& s, const std::string& p, const LmConfig& c,
                         LayerWeights& moe) {
  const int64_t d = c.hidden_size, f = c.intermediate_size, E = c.num_local_experts;
  auto mlp = [&](const std::string& at, int64_t width, ExpertWeights& x) {
    s.push_back({at + "gate_proj.weight", {width, d}, &x.w1});
    s.push_back({at + "up_proj.weight", {width, d}, &x.w3});
    s.push_back({at + "down_proj.weight", {d, width}, &x.w2});
  };
  for (int64_t j = 0; j < E; ++j) {
    mlp(p + "mlp.experts." + std::to_string(j) + ".", f, moe.experts[static_cast<size_t>(j)]);
  }
  s.push_back({p + "mlp.gate.weight", {E, d}, &moe.router});
  if (c.router_kind == RouterKind::sigmoid_grouped_topk_bias) {
    s.push_back({p + "mlp.gate.e_score_correction_bias", {E}, &moe.correction_bias});
  }
  if (c.n_shared_experts > 0) mlp(p + "mlp.shared_experts.", c.shared_d_ff(), moe.shared_expert);
}

std::vector<Slot> parameter_slots(LmWeights& w, const LmConfig& c) {
  const int64_t V = c.vocab_size, d = c.hidden_size, f = c.intermediate_size;
  const int64_t q = c.q_dim(), kv = c.kv_dim(), E = c.num_local_experts;
  LmWeights* m = &w;
  std::vector<Slot> s;
  m->layers.resize(static_cast<size_t>(c.num_hidden_layers));
  s.push_back({"model.embed_tokens.weight", {V, d}, &m->embed_tokens});
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    LmLayerWeights& L = m->layers[static_cast<size_t>(l)];
    const std::string p = layer_prefix(l);
    s.push_back({p + "self_attn.q_proj.weight", {q, d}, &L.q_proj});
    s.push_back({p + "self_attn.k_proj.weight", {kv, d}, &L.k_proj});
    s.push_back({p + "self_attn.v_proj.weight", {kv, d}, &L.v_proj});
    s.push_back({p + "self_attn.o_proj.weight", {d, q}, &L.o_proj});
    L.moe.experts.resize(static_cast<size_t>(E));
    if (c.dense) {  // MistralForCausalLM's MLP: the one expert of an E = 1 block
      ExpertWeights& x = L.moe.experts[0];
      s.push_back({p + "mlp.gate_proj.weight", {f, d}, &x.w1});
      s.push_back({p + "mlp.up_proj.weight", {f, d}, &x.w3});
      s.push_back({p + "mlp.down_proj.weight", {d, f}, &x.w2});
      s.push_back({p + "input_layernorm.weight", {d}, &L.input_layernorm});
      s.push_back({p + "post_attention_layernorm.weight", {d}, &L.post_attention_layernorm});
      continue;
    }
    if (c.mixtral_block()) {
      s.push_back({p + "block_sparse_moe.gate.weight", {E, d}, &L.moe.router});
      for (int64_t j = 0; j < E; ++j) {
        ExpertWeights& x = L.moe.experts[static_cast<size_t>(j)];
        const std::string e = p + "block_sparse_moe.experts." + std::to_string(j) + ".";
        s.push_back({e + "w1.weight", {f, d}, &x.w1});
        s.push_back({e + "w2.weight", {d, f}, &x.w2});
        s.push_back({e + "w3.weight", {f, d}, &x.w3});
      }
    } else {
      push_deepseek_block(s, p, c, L.moe);
    }
    s.push_back({p + "input_layernorm.weight", {d}, &L.input_layernorm});
    s.push_back({p + "post_attention_layernorm.weight", {d}, &L.post_attention_layernorm});
  }
  s.push_back({"model.norm.weight", {d}, &m->norm});
  if (!c.tie_word_embeddings) s.push_back({"lm_head.weight", {V, d}, &m->lm_head});
  return s;
}

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t x : shape) n *= x;
  return n;
}

// A list of names for a message: the first few, then "and N more".
std::string name_list(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < 4; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > 4) s += " and " + std::to_string(names.size() - 4) + " more";
  return s;
}

// The dense variant's blocks have one expert and no router tensor: a zero router row [1, d]
// (softmax over one expert gives it weight 1 whatever the row holds).
void set_dense_router(LmWeights& w, const LmConfig& c) {
  if (!c.dense) return;
  for (LmLayerWeights& l : w.layers) l.moe.router.assign(static_cast<size_t>(c.hidden_size), 0.0f);
}

}  // namespace

std::vector<NamedTensor> lm_weights_to_tensors(const LmWeights& weights, const LmConfig& config) {
  LmWeights copy = weights;  // parameter_slots resizes containers; never touch the caller's
  std::vector<NamedTensor> out;
  for (const Slot& s : parameter_slots(copy, config)) out.push_back({s.name, s.shape, *s.data});
  return out;
}

Result<LmWeights> lm_weights_from_safetensors(const Safetensors& file, const LmConfig& config) {
  LmWeights w;
  std::vector<Slot> slots = parameter_slots(w, config);
  std::vector<std::string> missing;
  std::set<std::string> expected;
  for (Slot& s : slots) {
    expected.insert(s.name);
    const auto it = file.tensors.find(s.name);
    if (it == file.tensors.end()) {
      missing.push_back(s.name);
      continue;
    }
    const Tensor& t = it->second;
    if (t.shape != s.shape) {
      return Error{"weights." + s.name,
                   "expected shape " + shape_string(s.shape) + ", got " + shape_string(t.shape)};
    }
    for (size_t i = 0; i < t.data.size(); ++i) {
      if (!std::isfinite(t.data[i])) {
        return Error{"weights." + s.name + "[" + std::to_string(i) + "]",
                     std::string("must be a finite number, got ") +
                         (std::isnan(t.data[i]) ? "NaN" : "Infinity")};
      }
    }
    *s.data = t.data;
  }
  if (!missing.empty()) {
    return Error{"weights", "missing " + std::to_string(missing.size()) +
                                (missing.size() == 1 ? " tensor: " : " tensors: ") +
                                name_list(missing)};
  }
  std::vector<std::string> unexpected;
  for (const std::string& name : file.order) {
    if (!expected.count(name)) unexpected.push_back(name);
  }
  if (!unexpected.empty()) {
    return Error{"weights",
                 std::to_string(unexpected.size()) +
                     (unexpected.size() == 1 ? " unexpected tensor: " : " unexpected tensors: ") +
                     name_list(unexpected) + " (not part of this config's model)"};
  }
  if (config.tie_word_embeddings) w.lm_head = w.embed_tokens;
  set_dense_router(w, config);
  return w;
}

LmWeights lm_weights_init_seeded(const LmConfig& config, uint64_t seed) {
  LmWeights w;
  SplitMix64 rng(seed);
  for (Slot& s : parameter_slots(w, config)) {
    s.data->resize(static_cast<size_t>(numel(s.shape)));
    if (s.shape.size() == 1) {  // RMSNorm weights 1; the selection bias starts at 0
      const bool bias = s.name.ends_with("e_score_correction_bias");
      std::fill(s.data->begin(), s.data->end(), bias ? 0.0f : 1.0f);
      continue;
    }
    const bool embedding = s.name == "model.embed_tokens.weight";
    const double std = embedding ? 1.0 : 1.0 / std::sqrt(static_cast<double>(s.shape[1]));
    for (float& x : *s.data) x = static_cast<float>(rng.next_normal() * std);
  }
  if (config.tie_word_embeddings) w.lm_head = w.embed_tokens;
  set_dense_router(w, config);
  return w;
}

}  // namespace moe::lm
