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
}

export interface RawTrainStats {
  load_cv: number;
  max_share: number;
  loss: number;
  expert_load: Float32Array; // [E] copy
  nmi_surface?: number;
  nmi_topic?: number;
  nmi_cluster?: number;
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
  probeExpert(specJson: string, expert: number, input: Float32Array): { ok: true; probe: RawExpertProbe } | RawError;
  createLayer(specJson: string): { ok: true; layer: RawLayer } | RawError;
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
