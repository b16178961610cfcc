#include "moe/lm/lm_stream.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace moe::lm {

LmStream::LmStream(LmModel& model, const GenerateOptions& options, KvCache cache)
    : model_(&model), options_(options), cache_(std::move(cache)), rng_(options.seed) {}

void LmStream::keep_last_logits(const LmTrace& trace) {
  const size_t V = static_cast<size_t>(model_->config().vocab_size);
  last_logits_.assign(trace.logits.end() - static_cast<std::ptrdiff_t>(V), trace.logits.end());
}

Result<LmStream> LmStream::start(LmModel& model, std::span<const int32_t> prompt,
                                 const GenerateOptions& options) {
  Result<bool> checked = check_generate_request(model.config(), prompt, options);
  if (!checked.ok()) return checked.error();
  // Every generated token is fed back (its routing is wanted), so the cache holds them all.
  const int64_t total = static_cast<int64_t>(prompt.size()) + options.max_new_tokens;
  Result<KvCache> cache = model.new_cache(1, static_cast<int>(total));
  if (!cache.ok()) return cache.error();
  LmStream stream(model, options, std::move(cache.value()));
  Result<const LmTrace*> prefill =
      model.forward_cached(prompt, 1, static_cast<int>(prompt.size()), stream.cache_);
  if (!prefill.ok()) return prefill.error();
  stream.keep_last_logits(*prefill.value());
  return stream;
}

Result<int32_t> LmStream::next() {
  if (done()) {
    return Error{"generate", ended_ ? "the model wrote its end-of-text token; start again for more"
                                    : "all " + std::to_string(options_.max_new_tokens) +
                                          " new tokens were generated; start again for more"};
  }
  const int32_t token = pick_next(last_logits_, options_, rng_);
  Result<const LmTrace*> fed =
      model_->forward_cached(std::span<const int32_t>(&token, 1), 1, 1, cache_);
  if (!fed.ok()) return fed.error();
  keep_last_logits(*fed.value());
  ++generated_;
  ended_ = ends_generation(model_->config(), token);
  return token;
}

}  // namespace moe::lm
