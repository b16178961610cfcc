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

/** The shape of a stack of MoE layers for the cost calculator (engine/include/moe/cost.hpp). */
export interface CostConfig {
  d_model: number;
  d_ff: number;
  num_experts: number;
  top_k: number;
  /** MoE layers in the stack; default 1. */
  layers?: number;
  /** Parameters every token uses (attention, embeddings, shared experts); default 0. */
  shared_params?: number;
  expert_kind?: ExpertKind;
}

/** Counts from `layer_cost`: total = what is stored, active = what one token uses. */
export interface CostReport {
  params_per_expert: number; // mlp 2·d·f, swiglu 3·d·f
  router_params: number; // E·d per layer
  total_params: number; // L·(E·P_e + E·d) + S
  active_params: number; // L·(k·P_e + E·d) + S
  active_fraction: number; // active / total
  flops_per_token_active: number; // 2·active
  flops_per_token_dense: number; // 2·total
}

/** From `solve_active_from_total`: active = s·T + (k/E)·(1 − s)·T. */
export interface ActiveSolve {
  total_params: number;
  shared_params: number;
  expert_params: number;
  active_params: number;
  active_fraction: number;
}

/** One expert opened up for one token (engine/include/moe/expert_probe.hpp). */
export interface ExpertProbe {
  expert: number;
  pre_activation: Float32Array; // [d_ff]  w1 · x
  up: Float32Array; // [d_ff] w3 · x for swiglu, [0] for mlp
  hidden: Float32Array; // [d_ff]  act(w1 · x), or silu(w1 · x) ⊙ (w3 · x)
  output: Float32Array; // [d]  w2 · hidden
}

/** Wall-clock timing of repeated forward calls, measured where the engine runs. */
export interface ForwardTiming {
  tokens: number; // T per call
  calls_per_run: number;
  runs_ms: number[]; // [runs] total milliseconds of each run
  median_ms_per_call: number;
  tokens_per_second: number; // T / median seconds per call
}

// ---- Live training (engine/include/moe/train/, engine/README.md "Training config") ----

export type TrainTask = 'tokens' | 'clusters';
export type TrainRouterKind = 'softmax_topk' | 'softmax_topk_renorm' | 'sigmoid_bias';
export type BalancingKind = 'none' | 'switch_aux' | 'z_loss' | 'importance_cv2' | 'seq_aux' | 'aux_free_bias';

/** `alpha` weights the loss kinds; `gamma` is the bias speed of aux_free_bias; `z_loss` adds a z-loss to any kind. */
export interface TrainBalancing {
  kind: BalancingKind;
  alpha?: number;
  gamma?: number;
  z_loss?: number;
}

/** Every field but `task` is optional (defaults in engine/README.md); unknown fields are errors. */
export interface TrainConfig {
  task: TrainTask;
  num_clusters?: number;
  d_model?: number;
  d_ff?: number;
  num_experts?: number;
  top_k?: number;
  router?: TrainRouterKind;
  expert?: ExpertKind;
  activation?: Activation;
  optimizer?: 'adam' | 'sgd';
  lr?: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  clip?: number;
  router_lr_scale?: number;
  router_init_scale?: number;
  router_skew?: number;
  steps?: number;
  chunk?: number;
  batch?: number;
  seq_len?: number;
  seed?: number;
  data_seed?: number;
  balancing?: TrainBalancing;
}

/** What one run(steps) call trained: copies, safe to keep and to post between threads. */
export interface TrainChunk {
  steps: number; // steps in this chunk
  step: number; // steps done in total
  num_experts: number; // E
  loss: Float32Array; // [steps] task MSE
  aux_loss: Float32Array; // [steps] Σ coefficient · aux term
  expert_load: Float32Array; // [steps, E] fractions of each step's (token, slot) pairs
}

/** Routing of the current model over the whole dataset; NMI of top-1 expert vs a label. */
export interface TrainStats {
  load_cv: number;
  max_share: number;
  loss: number;
  expert_load: Float32Array; // [E]
  nmi_surface?: number; // tokens task
  nmi_topic?: number; // tokens task
  nmi_cluster?: number; // clusters task
}

/** Top-1 expert of each token of a sentence (tokens task). */
export interface TrainAssignment {
  tokens: string[]; // [T]
  experts: Int32Array; // [T]
}

/** Wall-clock timing of training steps, measured where the engine runs (EngineCore.trainTime). */
export interface TrainTiming {
  steps_per_run: number;
  runs_ms: number[]; // [runs] total milliseconds of each timed run
  median_ms_per_step: number;
  steps_per_second: number;
  step: number; // steps the trainer has done in total, timing included
}
