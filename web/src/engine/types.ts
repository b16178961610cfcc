// The engine facade's public types: the contract between the UI, the Web
// Worker and the WebAssembly engine. The UI imports only from web/src/engine/.
// Array layouts are row-major; each field's shape is given in brackets.

/** An error is a value: `where: reason`, e.g. `config.top_k: must be between 1 and num_experts (4), got 5`. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export type RouterKind = 'softmax_topk' | 'softmax_topk_renorm';
export type Activation = 'relu' | 'gelu' | 'silu';
/** `mlp`: w2 · act(w1 · x). `swiglu`: w2 · (silu(w1 · x) ⊙ (w3 · x)). */
export type ExpertKind = 'mlp' | 'swiglu';

export interface LayerConfig {
  d_model: number;
  d_ff: number;
  num_experts: number;
  top_k: number;
  router_kind: RouterKind;
  /** softmax_topk only: divide the k chosen probabilities by their sum. softmax_topk_renorm always does. */
  norm_topk_prob?: boolean;
  activation: Activation;
  expert_kind: ExpertKind;
}

/** Torch layout: every linear weight is [out_features][in_features], y = x · Wᵀ. */
export interface ExpertWeights {
  w1: number[][]; // [d_ff][d_model]
  w3?: number[][]; // [d_ff][d_model], swiglu only
  w2: number[][]; // [d_model][d_ff]
}

export interface LayerWeights {
  router: number[][]; // [num_experts][d_model]
  experts: ExpertWeights[]; // [num_experts]
}

/**
 * A layer: its config, and either full weights, or a seed from which the
 * engine initialises every weight deterministically. With both, the seed
 * initialises and the given weights (e.g. just `router`) override.
 */
export interface LayerSpec {
  config: LayerConfig;
  weights?: Partial<LayerWeights>;
  seed?: number;
}

/** Named intermediates of one forward pass, in the order the layer computes them. */
export interface Trace {
  tokens: number; // T
  d_model: number; // d
  num_experts: number; // E
  top_k: number; // k
  router_logits: Float32Array; // [T, E]  x · W_gᵀ
  router_probs: Float32Array; // [T, E]  softmax over all E
  topk_ids: Int32Array; // [T, k]  descending by probability, ties to the lower expert index
  topk_weights: Float32Array; // [T, k]  the gates that multiply expert outputs (renormalised or raw)
  expert_outputs: Float32Array; // [T, k, d]  output of the expert in slot j, before its gate
  output: Float32Array; // [T, d]  Σ_j topk_weights[t,j] · expert_outputs[t,j]
  expert_load: Int32Array; // [E]  how many (token, slot) pairs chose each expert
  /** Load-balancing loss of this pass, Mixtral form: E · Σ_j Σ_e f[j,e] · P[e] (≈ k when balanced). */
  aux_loss: number;
}

/** The engine's interpretable token embedding: one named feature per dimension. */
export interface Embedding {
  tokens: string[]; // [T]
  feature_names: string[]; // [F]
  features: Float32Array; // [T, F]
}
