// Types of the raw embind module build/wasm/moe_engine.mjs (CMake copies this file next to it).
// Only web/src/engine/core.ts should use these; everything else goes through its facade.

export type RawError = { ok: false; error: string };

/** Views of the layer's own buffers: valid until the layer's next forward() or delete(). */
export interface RawTrace {
  tokens: number;
  d_model: number;
  num_experts: number;
  top_k: number;
  router_logits: Float32Array; // [T, E]
  router_probs: Float32Array; // [T, E]
  topk_ids: Int32Array; // [T, k]
  topk_weights: Float32Array; // [T, k]
  expert_outputs: Float32Array; // [T, k, d]
  output: Float32Array; // [T, d]
  expert_load: Int32Array; // [E]
  aux_loss: number;
  // Router-kind fields (engine/include/moe/layer/trace.hpp); empty views where a kind has none.
  slots: number;
  groups: number;
  capacity: number;
  residual_added: boolean;
  fraction_unrouted: number;
  noisy_logits: Float32Array; // [T, E]
  kept: Uint8Array; // [T, s]
  combine_weights: Float32Array; // [T, s]
  dropped: Uint8Array; // [T]
  expert_index_returned: Int32Array; // [T]
  counts_before_capacity: Int32Array; // [E]
  counts_after_capacity: Int32Array; // [E]
  dispatch_weights: Float32Array; // [T, R]
  slot_inputs: Float32Array; // [R, d]
  slot_outputs: Float32Array; // [R, d]
  shared_expert_output: Float32Array; // [T, d]
  shared_expert_gate_logit: Float32Array; // [T]
  losses: RawTraceLosses;
  stats: RawTraceStats;
}

export interface RawTraceLosses {
  aux_loss: number;
  aux_loss_switch: number;
  aux_loss_switch_pre_capacity: number;
  aux_loss_switch_global: number;
  aux_loss_mixtral: number;
  z_loss: number;
  importance_cv2: number;
  load_cv2: number;
  seq_balance_loss: number;
}

export interface RawTraceStats {
  f_i: Float32Array; // [E] view
  P_i: Float32Array; // [E] view
  entropy: number;
  load_cv: number;
  max_over_mean: number;
  dropped_count: number;
}

/** bindings.cpp modRoute: copies. */
export interface RawModRoute {
  sequences: number;
  seq_len: number;
  capacity: number;
  scores: Float32Array; // [B, S]
  selected: Int32Array; // [B, C]
  ran: Uint8Array; // [B, S]
  gate: Float32Array; // [B, S]
  saved_fraction: number;
}

export interface RawLayer {
  forward(input: Float32Array, tokens: number): { ok: true; trace: RawTrace } | RawError;
  readonly d_model: number;
  readonly num_experts: number;
  readonly top_k: number;
  delete(): void;
}

/** cost_bindings.cpp: parameter and FLOP counts of a stack of MoE layers. */
export interface RawCostReport {
  params_per_expert: number;
  router_params: number;
  total_params: number;
  active_params: number;
  active_fraction: number;
  flops_per_token_active: number;
  flops_per_token_dense: number;
}

export interface RawActiveSolve {
  total_params: number;
  shared_params: number;
  expert_params: number;
  active_params: number;
  active_fraction: number;
}

/** Copies (not views): pre_activation [f], up [f] (swiglu) or [0], hidden [f], output [d]. */
export interface RawExpertProbe {
  expert: number;
  pre_activation: Float32Array;
  up: Float32Array;
  hidden: Float32Array;
  output: Float32Array;
}

/** train_bindings.cpp: a live training run. run()'s arrays are views, valid until its next call. */
export interface RawTrainChunk {
  steps: number;
  step: number;
  loss: Float32Array; // [steps]
  aux_loss: Float32Array; // [steps]
  expert_load: Float32Array; // [steps, E]
  router_prob: Float32Array; // [steps, E]
  selection_bias: Float32Array; // [E]
}

export interface RawTrainStats {
  load_cv: number;
  max_share: number;
  loss: number;
  expert_load: Float32Array; // [E] copy
  router_prob: Float32Array; // [E] copy
  switch_term: Float32Array; // [E] copy
  switch_loss: number;
  nmi_surface?: number;
  nmi_topic?: number;
  nmi_cluster?: number;
}

/** cost_bindings.cpp commVolume: byte counts of one routed batch (copies). */
export interface RawCommVolume {
  devices: number;
  dispatch_bytes: Float64Array; // [D, D]
  sent_bytes: Float64Array; // [D]
  received_bytes: Float64Array; // [D]
  forward_bytes: number;
  cross_device_bytes: number;
  cross_device_fraction: number;
  training_step_bytes: number;
  training_step_cross_device_bytes: number;
  routed_slots: number;
  local_slots: number;
  dropped_slots: number;
}

export interface RawTrainingMemory {
  serving_bytes: number;
  weight_bytes: number;
  gradient_bytes: number;
  optimizer_bytes: number;
  master_bytes: number;
  training_bytes: number;
}

export interface RawTrainer {
  run(steps: number): ({ ok: true } & RawTrainChunk) | RawError;
  assign(text: string): { ok: true; tokens: string[]; experts: Int32Array } | RawError;
  stats(): ({ ok: true } & RawTrainStats) | RawError;
  readonly num_experts: number;
  readonly step: number;
  delete(): void;
}

export interface MoeEngineModule {
  createTrainer(configJson: string): { ok: true; trainer: RawTrainer } | RawError;
  layerCost(config: object): { ok: true; report: RawCostReport } | RawError;
  solveActive(
    totalParams: number,
    sharedFraction: number,
    numExperts: number,
    topK: number,
  ): { ok: true; solve: RawActiveSolve } | RawError;
  expertCapacity(capacityFactor: number, tokens: number, numExperts: number, topK: number): { ok: true; capacity: number } | RawError;
  probeExpert(specJson: string, expert: number, input: Float32Array): { ok: true; probe: RawExpertProbe } | RawError;
  commVolume(spec: object): { ok: true; volume: RawCommVolume } | RawError;
  trainingMemory(totalParams: number, bytesPerValue: number): { ok: true; memory: RawTrainingMemory } | RawError;
  createLayer(specJson: string): { ok: true; layer: RawLayer } | RawError;
  modRoute(
    input: Float32Array,
    sequences: number,
    seqLen: number,
    dModel: number,
    routerWeight: Float32Array,
    capacity: number,
  ): { ok: true; route: RawModRoute } | RawError;
  denseBaseline(specJson: string, which: string): { ok: true; spec: string } | RawError;
  embedText(
    text: string,
  ): { ok: true; tokens: string[]; feature_names: string[]; features: Float32Array } | RawError;
}

export interface MoeEngineModuleOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, scriptDirectory: string) => string;
}

declare function createMoeEngine(options?: MoeEngineModuleOptions): Promise<MoeEngineModule>;
export default createMoeEngine;
