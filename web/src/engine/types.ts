// The engine facade's public types: the contract between the UI, the Web
// Worker and the WebAssembly engine. The UI imports only from web/src/engine/.
// Array layouts are row-major; each field's shape is given in brackets.

/** An error is a value: `where: reason`, e.g. `config.top_k: must be between 1 and num_experts (4), got 5`. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** Conventions of each kind: engine/README.md "Router kinds" (oracle ids S1–S6, M1–M3, D1–D5, Q1). */
export type RouterKind =
  | 'softmax_topk'
  | 'softmax_topk_renorm'
  | 'noisy_topk'
  | 'softmax_top1_capacity'
  | 'topk_capacity'
  | 'sigmoid_grouped_topk_bias'
  | 'expert_choice'
  | 'soft_moe';
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
  /** noisy_topk: 'train' adds seeded noise (default 'eval'). */
  mode?: 'train' | 'eval';
  noise_seed?: number;
  /** Capacity kinds (softmax_top1_capacity, topk_capacity, expert_choice): one of these two. */
  capacity_factor?: number;
  expert_capacity?: number;
  /** Capacity groups: T = num_groups · tokens_per_group (or input_shape [B, S, d]); default one group. */
  num_groups?: number;
  tokens_per_group?: number;
  input_shape?: [number, number, number];
  /** Switch: dropped tokens output x instead of a zero row (S2); trace.residual_added says so. */
  add_residual?: boolean;
  /** Switch: weights.router_bias [E] is added to the logits. */
  router_bias?: boolean;
  /** sigmoid_grouped_topk_bias (DeepSeek-V3). */
  n_group?: number;
  topk_group?: number;
  routed_scaling_factor?: number;
  /** soft_moe: slots per expert p (router weights are then [E·p][d]). */
  slots_per_expert?: number;
  /** Shared experts: one MLP of width shared_expert_d_ff (default d_ff · num_shared_experts, D5). */
  num_shared_experts?: number;
  shared_expert_d_ff?: number;
  /** Qwen2-MoE: scale the shared MLP by sigmoid(shared_expert_gate · x) (Q1). */
  shared_expert_gate?: boolean;
}

/** Torch layout: every linear weight is [out_features][in_features], y = x · Wᵀ. */
export interface ExpertWeights {
  w1: number[][]; // [d_ff][d_model]
  w3?: number[][]; // [d_ff][d_model], swiglu only
  w2: number[][]; // [d_model][d_ff]
}

export interface LayerWeights {
  router: number[][]; // [num_experts][d_model]  (soft_moe: [num_experts · slots_per_expert][d_model])
  experts: ExpertWeights[]; // [num_experts]
  router_bias?: number[]; // [E]  config.router_bias only
  correction_bias?: number[]; // [E]  sigmoid_grouped_topk_bias: selection-only bias (D2)
  noise?: number[][]; // [E][d_model]  noisy_topk W_noise
  shared_expert?: ExpertWeights; // w1 [sf][d], w3 [sf][d] (swiglu), w2 [d][sf]
  shared_expert_gate?: number[][]; // [1][d_model]  config.shared_expert_gate only
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
  /** Load-balancing loss of this pass in the router kind's convention (= losses.aux_loss). */
  aux_loss: number;
  /** s: columns of topk_ids / topk_weights / kept (k; E for expert_choice; E·p slots for soft_moe). */
  slots: number;
  groups: number; // capacity groups G
  capacity: number; // tokens per expert and group, -1 without capacity
  residual_added: boolean; // Switch add_residual: dropped tokens carry x
  fraction_unrouted: number; // expert_choice: tokens no expert took / T
  noisy_logits: Float32Array; // [T, E]  noisy_topk: logits + noise; empty otherwise
  kept: Uint8Array; // [T, s]  1 = the expert ran on this (token, slot)
  combine_weights: Float32Array; // [T, s]  gates applied: topk_weights, 0 where dropped
  dropped: Uint8Array; // [T]  1 = no slot of the token ran
  expert_index_returned: Int32Array; // [T]  Switch: index, 0 if dropped (S3); empty otherwise
  counts_before_capacity: Int32Array; // [E]
  counts_after_capacity: Int32Array; // [E]  = expert_load
  dispatch_weights: Float32Array; // [T, E·p]  soft_moe only
  slot_inputs: Float32Array; // [E·p, d]  soft_moe only
  slot_outputs: Float32Array; // [E·p, d]  soft_moe only
  shared_expert_output: Float32Array; // [T, d]  shared MLP before any gate; empty without one
  shared_expert_gate_logit: Float32Array; // [T]  Qwen2-MoE gate logit; empty if ungated
  losses: TraceLosses;
  stats: RoutingStats;
}

/** Router losses of one pass, raw (no coefficient); engine/include/moe/layer/layer_losses.hpp. */
export interface TraceLosses {
  aux_loss: number; // the kind's convention
  aux_loss_switch: number; // S5: per group, returned / first-choice index
  aux_loss_switch_pre_capacity: number;
  aux_loss_switch_global: number; // textbook, whole batch
  aux_loss_mixtral: number; // M1: per-slot fractions, ≈ k when uniform
  z_loss: number; // S6
  importance_cv2: number;
  load_cv2: number;
  seq_balance_loss: number; // DeepSeek-V3 sequence-wise
}

/** How evenly the router spread the tokens. */
export interface RoutingStats {
  f_i: Float32Array; // [E]  share of (token, slot) pairs
  P_i: Float32Array; // [E]  mean router probability
  entropy: number; // nats
  load_cv: number;
  max_over_mean: number;
  dropped_count: number;
}

/** Mixture-of-Depths routing of B sequences of S tokens (EngineCore.modRoute). */
export interface ModRoute {
  sequences: number; // B
  seq_len: number; // S
  capacity: number; // C
  scores: Float32Array; // [B, S]  x · w_r
  selected: Int32Array; // [B, C]  positions that run the block, by score
  ran: Uint8Array; // [B, S]
  gate: Float32Array; // [B, S]  score where ran, else 0
  saved_fraction: number; // 1 − C/S
}

/** Which dense FFN to compare an MoE layer with: same total or same active parameters. */
export type DenseBaselineKind = 'total' | 'active';

/** The engine's interpretable token embedding: one named feature per dimension. */
export interface Embedding {
  tokens: string[]; // [T]
  feature_names: string[]; // [F]
  features: Float32Array; // [T, F]
}

/** The shape of a stack of MoE layers for the cost calculator (engine/include/moe/calc/cost.hpp). */
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

/**
 * One routed batch placed on devices, for the all-to-all counter (engine/include/moe/calc/comm.hpp).
 * Experts sit in contiguous blocks of E / devices (devices must divide E).
 */
export interface CommSpec {
  num_experts: number; // E
  devices: number; // D
  d_model: number; // values per token vector
  bytes_per_value: number; // 4 fp32, 2 bf16, 1 fp8
  /** MoE layers routing this batch the same way; default 1. */
  layers?: number;
  tokens: number; // T
  top_k: number; // k: columns of topk_ids
  topk_ids: Int32Array; // [T, k] e.g. a trace's topk_ids; -1 = dropped
  /** [T, k] 0 = slot dropped by capacity (a trace's `kept`); default: all kept. */
  kept?: Uint8Array;
  /** [T] device holding each token; default: equal contiguous blocks. */
  token_device?: Int32Array;
}

/** Bytes of expert-parallel all-to-all for one forward pass and one training step. */
export interface CommVolume {
  devices: number; // D
  dispatch_bytes: Float64Array; // [D, D] from → to, all layers; the diagonal stays local; combine is the transpose
  sent_bytes: Float64Array; // [D] dispatch bytes leaving each device
  received_bytes: Float64Array; // [D] dispatch bytes arriving at each device
  forward_bytes: number; // dispatch + combine, every kept slot
  cross_device_bytes: number; // the part of forward_bytes that crosses devices
  cross_device_fraction: number;
  training_step_bytes: number; // 2 × forward (backward sends the gradients back the same routes)
  training_step_cross_device_bytes: number;
  routed_slots: number; // kept (token, slot) pairs of one layer
  local_slots: number; // of those, the expert was on the token's device
  dropped_slots: number;
}

/** Parameter memory: serving = P·b; training = P·(b + b + 8 + 4 if b < 4): weights, gradients, Adam's fp32 moments, fp32 master copy. */
export interface TrainingMemory {
  serving_bytes: number;
  weight_bytes: number;
  gradient_bytes: number;
  optimizer_bytes: number;
  master_bytes: number;
  training_bytes: number;
}

/** From `solve_active_from_total`: active = s·T + (k/E)·(1 − s)·T. */
export interface ActiveSolve {
  total_params: number;
  shared_params: number;
  expert_params: number;
  active_params: number;
  active_fraction: number;
}

/** One expert opened up for one token (engine/include/moe/calc/expert_probe.hpp). */
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
export type BalancingKind = 'none' | 'switch_aux' | 'z_loss' | 'importance_cv2' | 'seq_aux' | 'aux_free_bias' | 'load_cv2';

/** `alpha` weights the loss kinds; `gamma` is the bias speed of aux_free_bias; `z_loss` adds a z-loss to any kind. */
export interface TrainBalancing {
  kind: BalancingKind;
  alpha?: number;
  gamma?: number;
  z_loss?: number;
}

/**
 * The layer fields of a training config: the inference LayerConfig's names and meanings (one schema,
 * one engine reader), each optional with the defaults of engine/README.md "Training config".
 * Training runs every router kind (sigmoid_grouped_topk_bias with one group) and no other option.
 */
export type TrainLayerFields = Partial<
  Pick<LayerConfig, 'd_model' | 'd_ff' | 'num_experts' | 'top_k' | 'router_kind' | 'expert_kind' | 'activation' | 'capacity_factor' | 'slots_per_expert'>
>;

/** Every field but `task` is optional (defaults in engine/README.md); unknown fields are errors. */
export interface TrainConfig extends TrainLayerFields {
  task: TrainTask;
  num_clusters?: number;
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
  router_prob: Float32Array; // [steps, E] P_e: mean over the step's tokens of the normalised router probability
  selection_bias: Float32Array; // [E] b_e after the chunk (0 unless aux_free_bias)
}

/** Routing of the current model over the whole dataset; NMI of top-1 expert vs a label. */
export interface TrainStats {
  load_cv: number;
  max_share: number;
  loss: number;
  expert_load: Float32Array; // [E] f_e
  router_prob: Float32Array; // [E] P_e, mean normalised router probability
  switch_term: Float32Array; // [E] E · f_e · P_e; their sum is switch_loss
  switch_loss: number; // the Switch term as the model computes it, before α
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
