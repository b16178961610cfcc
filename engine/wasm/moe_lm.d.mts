// Types of the language model's embind module build/wasm/moe_lm.mjs (engine/wasm/lm_bindings.cpp;
// CMake copies this file next to it). Only web/src/engine/lm-core.ts should use these.
import type { MoeEngineModuleOptions, RawError } from './moe_engine.mjs';

/** lm_bindings.cpp: the routing of T rows of one sequence, every layer. Copies. */
export interface RawLmRouting {
  tokens: number; // T
  layers: number; // L
  experts: number; // E
  top_k: number; // k
  router_logits: Float32Array; // [L, T, E]
  router_probs: Float32Array; // [L, T, E] softmax over all E
  topk_ids: Int32Array; // [L, T, k] descending probability
  topk_weights: Float32Array; // [L, T, k] renormalised gates
}

/** lm_bindings.cpp Lm.info(): the model's config.json sizes and its parameter count. */
export interface RawLmInfo {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  num_local_experts: number;
  num_experts_per_tok: number;
  max_position_embeddings: number;
  total_params: number;
  active_params: number; // per token: k of E experts in each layer, everything else in full
  tokenizer_vocab_size: number; // 0: loaded without tokenizer.json
}

/** Generation options as the binding reads them; absent fields take the defaults shown. */
export interface RawGenerateOptions {
  seed?: number; // 0
  temperature?: number; // 1
  top_p?: number; // 1
  greedy?: boolean; // true
  max_new_tokens?: number; // 16
}

/** A loaded language model and its tokenizer (lm_bindings.cpp). Every array is a copy. */
export interface RawLm {
  info(): RawLmInfo;
  encode(utf8: Uint8Array): { ok: true; ids: Int32Array } | RawError;
  tokenBytes(ids: Int32Array): { ok: true; bytes: Uint8Array; offsets: Int32Array } | RawError;
  trace(ids: Int32Array): { ok: true; routing: RawLmRouting; nll: Float32Array; loss: number; aux_loss: number } | RawError;
  generateStart(prompt: Int32Array, options: RawGenerateOptions): { ok: true; routing: RawLmRouting; position: number } | RawError;
  generateNext(n: number): { ok: true; ids: Int32Array; routing: RawLmRouting; generated: number; position: number; done: boolean } | RawError;
  delete(): void;
}

/** lm_eval_bindings.cpp: mean next-token NLL (nats) per named text, and over all their tokens. */
export interface RawLmLosses {
  domains: { name: string; loss: number; tokens: number }[];
  loss: number;
}

/** lm_eval_bindings.cpp options; absent fields: no mask, whole texts, the model's context. */
export interface RawLmEvalOptions {
  experts_off?: number[] | [number, number][]; // expert ids (every layer) or [layer, expert]
  mask_top_ranks?: number; // each token's m first choices excluded
  max_tokens?: number; // predicted tokens per text; 0 = all
  context?: number; // window length C
  masking_study?: boolean; // also top-1 masked and each expert off in every layer
}

/** lm_train_bindings.cpp LmTrainer.info(): the run's sizes and progress. */
export interface RawLmTrainerInfo {
  steps: number; // the run's length (the lr schedule's total)
  step: number; // steps done
  layers: number; // L
  experts: number; // E
  top_k: number; // k
  seq_len: number; // T tokens per training window
  batch: number; // B windows per step
  vocab_size: number;
  max_position_embeddings: number;
  params: number;
  active_params: number; // params less the (E - k) experts a token skips, per layer
  train_tokens: number;
  heldout_tokens: Int32Array; // [D]
  routing_tokens: number; // tokens of the routing text (the first held-out window per domain)
}

/** A language model training in the page (lm_train_bindings.cpp). Every array is a copy. */
export interface RawLmTrainer {
  info(): RawLmTrainerInfo;
  train(n: number): { ok: true; step: number; done: boolean; loss: Float64Array; aux: Float64Array; lr: Float32Array; expert_load: Int32Array; load_cv: Float64Array; max_share: Float64Array; dead_experts: Int32Array } | RawError;
  heldout(): { ok: true; loss: Float64Array } | RawError;
  recordRouting(): { ok: true; step: number } | RawError;
  saturation(): { ok: true; steps: Int32Array; per_layer: Float64Array; mean: Float64Array } | RawError;
  generate(prompt: Uint8Array, options: RawGenerateOptions): { ok: true; prompt_tokens: number; ids: Int32Array; bytes: Uint8Array } | RawError;
  delete(): void;
}

/** lm_analysis_bindings.cpp: one named text, as UTF-8 bytes. */
export interface RawNamedText {
  name: string;
  text: Uint8Array;
}

export interface MoeLmModule {
  createLm(configJson: string, safetensors: Uint8Array, tokenizerJson: string): { ok: true; lm: RawLm } | RawError;
  evaluateLm(
    lm: RawLm,
    texts: RawNamedText[],
    options: RawLmEvalOptions,
  ): ({ ok: true; context: number; masking?: { top1_masked: RawLmLosses; expert_off: RawLmLosses[] } } & RawLmLosses) | RawError;
  /** Greedy generation (the CLI's lm_generate) with the masks of `options` in place for every token. */
  generateMaskedLm(
    lm: RawLm,
    prompt: Int32Array,
    options: Pick<RawLmEvalOptions, 'experts_off' | 'mask_top_ranks'> & { max_new_tokens?: number },
  ): { ok: true; ids: Int32Array } | RawError;
  /** lm_analysis_bindings.cpp: the routing analyses as the JSON text `moe lm analyze` prints (its routing part). */
  lmAnalyze(lm: RawLm, texts: RawNamedText[], options: { max_tokens?: number; context?: number; top_vocab?: number }): { ok: true; report: string } | RawError;
  createLmTrainer(recipeJson: string, tokenizerJson: string, train: Uint8Array[], heldout: Uint8Array[]): { ok: true; trainer: RawLmTrainer } | RawError;
}

declare function createMoeLm(options?: MoeEngineModuleOptions): Promise<MoeLmModule>;
export default createMoeLm;
