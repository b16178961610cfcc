#include "moe/lm/lm_forward.hpp"

#include <algorithm>
#include <utility>

#include "moe/kernels/kernels.hpp"
#include "moe/lm/rmsnorm.hpp"
#include "moe/lm/rope.hpp"
#include "moe/spec/config.hpp"

namespace moe::lm {
namespace {

size_t sz(int64_t n) {
  return static_cast<size_t>(n);
}

// y = a + b, element-wise over n floats (the residual adds), in one pass.
void add(const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& y) {
  y.resize(a.size());
  for (size_t i = 0; i < a.size(); ++i) y[i] = a[i] + b[i];
}

// Floats one call needs for N rows over S cached positions (trace plus cache; the MoE layer
// checks its own buffers), for the cap below.
int64_t activation_floats(const LmConfig& c, int64_t N, int64_t cache_floats) {
  const int64_t d = c.hidden_size, E = c.num_local_experts, k = c.num_experts_per_tok;
  const int64_t per_layer = 7 * d + 2 * c.q_dim() + 2 * c.kv_dim() + 2 * E + 2 * k;
  return N * (c.num_hidden_layers * per_layer + 2 * d + c.vocab_size + 1) + cache_floats;
}

Error over_cap(int64_t needed) {
  return Error{"input_ids", "needs " + std::to_string(needed) +
                                " floats of activations and cache, above the cap of " +
                                std::to_string(kMaxFloats) + " (64 Mi floats)"};
}

}  // namespace

LmModel::LmModel(LmConfig config, LmWeights weights)
    : config_(config), weights_(std::move(weights)) {
  moe_.reserve(weights_.layers.size());
  for (LmLayerWeights& l : weights_.layers) {
    moe_.emplace_back(config_, std::move(l.moe));
    l.moe = LayerWeights{};
  }
  const size_t d = sz(config_.hidden_size), qd = sz(config_.q_dim()), kvd = sz(config_.kv_dim());
  packed_attention_.resize(weights_.layers.size());
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    const LmLayerWeights& w = weights_.layers[l];
    PackedAttention& p = packed_attention_[l];
    pack_matrix(w.q_proj.data(), d, qd, p.q);
    pack_matrix(w.k_proj.data(), d, kvd, p.k);
    pack_matrix(w.v_proj.data(), d, kvd, p.v);
    pack_matrix(w.o_proj.data(), qd, d, p.o);
  }
  pack_matrix(weights_.lm_head.data(), d, sz(config_.vocab_size), packed_lm_head_);
  rope_ = rope_table(config_.max_position_embeddings, config_.head_dim, config_.rope_theta);
}

Result<LmModel> LmModel::load(std::string_view config_json, std::span<const uint8_t> bytes) {
  Result<LmConfig> config = parse_lm_config_text(config_json);
  if (!config.ok()) return config.error();
  Result<Safetensors> file = safetensors_read(bytes);
  if (!file.ok()) return file.error();
  Result<LmWeights> weights = lm_weights_from_safetensors(file.value(), config.value());
  if (!weights.ok()) return weights.error();
  return LmModel(config.value(), std::move(weights.value()));
}

LmWeights LmModel::weights() const {
  LmWeights w = weights_;
  for (size_t l = 0; l < w.layers.size(); ++l) w.layers[l].moe = moe_[l].weights();
  return w;
}

Result<bool> LmModel::set_selection_mask(const SelectionMask& mask, int layer) {
  const int L = static_cast<int>(moe_.size());
  if (layer < -1 || layer >= L) {
    return Error{"layer", "must be -1 (all) or between 0 and " + std::to_string(L - 1) + ", got " +
                              std::to_string(layer)};
  }
  // Every layer has the same config, so checking one checks all: no layer changes on error.
  if (Result<bool> ok = check_selection_mask(moe_[0].layer().config(), mask); !ok.ok()) return ok;
  for (int l = 0; l < L; ++l) {
    if (layer == -1 || layer == l) (void)moe_[static_cast<size_t>(l)].set_selection_mask(mask);
  }
  return true;
}

Result<bool> LmModel::check_ids(std::span<const int32_t> ids, int B, int T) const {
  if (B < 1) return Error{"input_ids", "needs at least one sequence, got " + std::to_string(B)};
  if (T < 1) return Error{"input_ids", "needs at least one token per sequence, got 0"};
  if (static_cast<int64_t>(ids.size()) != int64_t{B} * T) {
    return Error{"input_ids", "expected " + std::to_string(B) + " × " + std::to_string(T) +
                                  " ids, got " + std::to_string(ids.size())};
  }
  for (size_t n = 0; n < ids.size(); ++n) {
    if (ids[n] < 0 || ids[n] >= config_.vocab_size) {
      return Error{
          "input_ids[" + std::to_string(n / sz(T)) + "][" + std::to_string(n % sz(T)) + "]",
          "must be a token id between 0 and " + std::to_string(config_.vocab_size - 1) +
              " (vocab_size - 1), got " + std::to_string(ids[n])};
    }
  }
  return true;
}

Result<KvCache> LmModel::new_cache(int B, int capacity) const {
  if (B < 1) return Error{"cache.batch", "must be >= 1, got " + std::to_string(B)};
  if (capacity < 1 || capacity > config_.max_position_embeddings) {
    return Error{"cache.capacity", "must be between 1 and max_position_embeddings (" +
                                       std::to_string(config_.max_position_embeddings) + "), got " +
                                       std::to_string(capacity)};
  }
  const int64_t per_layer = int64_t{B} * capacity * config_.kv_dim();
  const int64_t needed = activation_floats(config_, B, 2 * config_.num_hidden_layers * per_layer);
  if (needed > kMaxFloats) return over_cap(needed);
  KvCache cache;
  cache.batch = B;
  cache.capacity = capacity;
  cache.k.assign(sz(config_.num_hidden_layers), std::vector<float>(sz(per_layer)));
  cache.v.assign(sz(config_.num_hidden_layers), std::vector<float>(sz(per_layer)));
  return cache;
}

Result<const LmTrace*> LmModel::forward(std::span<const int32_t> ids, int B, int T) {
  Result<bool> ok = check_ids(ids, B, T);
  if (!ok.ok()) return ok.error();
  if (T > config_.max_position_embeddings) {
    return Error{"input_ids", "sequences of " + std::to_string(T) +
                                  " tokens are longer than max_position_embeddings (" +
                                  std::to_string(config_.max_position_embeddings) + ")"};
  }
  const int64_t needed = activation_floats(
      config_, int64_t{B} * T, 2 * config_.num_hidden_layers * int64_t{B} * T * config_.kv_dim());
  if (needed > kMaxFloats) return over_cap(needed);
  if (forward_cache_.batch != B || forward_cache_.capacity != T) {
    Result<KvCache> cache = new_cache(B, T);
    if (!cache.ok()) return cache.error();
    forward_cache_ = std::move(cache.value());
  }
  forward_cache_.length = 0;
  Result<bool> ran = run(ids, B, T, forward_cache_);
  if (!ran.ok()) return ran.error();
  return &trace_;
}

Result<const LmTrace*> LmModel::forward_cached(std::span<const int32_t> ids, int B, int T,
                                               KvCache& cache) {
  Result<bool> ok = check_ids(ids, B, T);
  if (!ok.ok()) return ok.error();
  if (cache.batch != B || cache.k.size() != sz(config_.num_hidden_layers)) {
    return Error{"cache", "was made for " + std::to_string(cache.batch) +
                              " sequences of this model, got " + std::to_string(B)};
  }
  if (cache.length + T > cache.capacity) {
    return Error{"input_ids", std::to_string(T) + " more tokens do not fit the cache (" +
                                  std::to_string(cache.length) + " of " +
                                  std::to_string(cache.capacity) + " positions used)"};
  }
  const int64_t needed = activation_floats(config_, int64_t{B} * T, 0);
  if (needed > kMaxFloats) return over_cap(needed);
  Result<bool> ran = run(ids, B, T, cache);
  if (!ran.ok()) return ran.error();
  return &trace_;
}

Result<bool> LmModel::run(std::span<const int32_t> ids, int B, int T, KvCache& cache) {
  const LmConfig& c = config_;
  const int64_t N = int64_t{B} * T, d = c.hidden_size, V = c.vocab_size;
  const int64_t qd = c.q_dim(), kvd = c.kv_dim(), E = c.num_local_experts;
  const int H = c.num_attention_heads, KV = c.num_key_value_heads, hd = c.head_dim;
  const int pos0 = cache.length;
  LmTrace& tr = trace_;
  tr.batch = B;
  tr.tokens = T;
  tr.pos0 = pos0;
  tr.input_ids.assign(ids.begin(), ids.end());
  tr.layers.resize(sz(c.num_hidden_layers));

  tr.embed.resize(sz(N * d));  // [N, d]  x[n] = embed_tokens[ids[n]]
  for (int64_t n = 0; n < N; ++n) {
    const float* row = weights_.embed_tokens.data() + int64_t{ids[sz(n)]} * d;
    f32_copy(row, tr.embed.data() + n * d, sz(d));
  }
  const std::vector<float>* x = &tr.embed;  // [N, d]  the residual stream
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const LmLayerWeights& w = weights_.layers[sz(l)];
    LmLayerActivations& a = tr.layers[sz(l)];
    a.input = *x;
    a.attn_norm.resize(sz(N * d));
    rmsnorm_forward(a.input.data(), w.input_layernorm.data(), a.attn_norm.data(),
                    static_cast<int>(N), static_cast<int>(d), c.rms_norm_eps);
    a.q.resize(sz(N * qd));   // [N, H·hd]
    a.k.resize(sz(N * kvd));  // [N, KV·hd]
    a.v.resize(sz(N * kvd));  // [N, KV·hd]
    const PackedAttention& pw = packed_attention_[sz(l)];
    const PackedProduct qkv[] = {{pw.q.data.data(), a.q.data(), sz(qd)},
                                 {pw.k.data.data(), a.k.data(), sz(kvd)},
                                 {pw.v.data.data(), a.v.data(), sz(kvd)}};
    f32_matmul_packed_many(a.attn_norm.data(), sz(N), sz(d), qkv);
    a.attn.resize(sz(N * qd));  // [N, H·hd]
    for (int b = 0; b < B; ++b) {
      const int64_t r0 = int64_t{b} * T;  // first row of sequence b
      rope_apply(a.q.data() + r0 * qd, T, H, pos0, rope_);
      rope_apply(a.k.data() + r0 * kvd, T, KV, pos0, rope_);
      // Append this sequence's keys and values at positions pos0 .. pos0+T-1 of its cache.
      float* kc = cache.k[sz(l)].data() + int64_t{b} * cache.capacity * kvd;  // [capacity, KV·hd]
      float* vc = cache.v[sz(l)].data() + int64_t{b} * cache.capacity * kvd;
      std::copy_n(a.k.data() + r0 * kvd, T * kvd, kc + int64_t{pos0} * kvd);
      std::copy_n(a.v.data() + r0 * kvd, T * kvd, vc + int64_t{pos0} * kvd);
      attention_forward(a.q.data() + r0 * qd, kc, vc, a.attn.data() + r0 * qd,
                        AttentionShape{T, pos0, H, KV, hd}, attention_ws_);
    }
    a.attn_out.resize(sz(N * d));
    f32_matmul_packed(a.attn.data(), pw.o.data.data(), a.attn_out.data(), sz(N), sz(qd), sz(d));
    add(a.input, a.attn_out, a.resid_mid);
    a.moe_norm.resize(sz(N * d));
    rmsnorm_forward(a.resid_mid.data(), w.post_attention_layernorm.data(), a.moe_norm.data(),
                    static_cast<int>(N), static_cast<int>(d), c.rms_norm_eps);
    Result<bool> moe = moe_[sz(l)].forward(a.moe_norm.data(), static_cast<int>(N), moe_scratch_);
    if (!moe.ok()) {
      return Error{"layers[" + std::to_string(l) + "]." + moe.error().where, moe.error().reason};
    }
    a.router_logits.swap(moe_scratch_.router_logits);  // [N, E]
    a.router_probs.swap(moe_scratch_.router_probs);    // [N, E]
    a.topk_ids.swap(moe_scratch_.topk_ids);            // [N, k]
    a.topk_weights.swap(moe_scratch_.topk_weights);    // [N, k]
    a.moe_out.swap(moe_scratch_.output);               // [N, d]
    add(a.resid_mid, a.moe_out, a.output);
    x = &a.output;
  }
  cache.length += T;

  tr.final_hidden.resize(sz(N * d));
  rmsnorm_forward(x->data(), weights_.norm.data(), tr.final_hidden.data(), static_cast<int>(N),
                  static_cast<int>(d), c.rms_norm_eps);
  tr.logits.resize(sz(N * V));  // [N, V]
  f32_matmul_packed(tr.final_hidden.data(), packed_lm_head_.data.data(), tr.logits.data(), sz(N),
                    sz(d), sz(V));

  std::vector<std::span<const float>> probs;
  std::vector<std::span<const int32_t>> topk;
  for (const LmLayerActivations& a : tr.layers) {
    probs.emplace_back(a.router_probs);
    topk.emplace_back(a.topk_ids);
  }
  tr.aux_loss = moe_aux_loss_pooled(probs, topk, static_cast<int>(E), c.num_experts_per_tok);
  return true;
}

}  // namespace moe::lm
