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

export interface MoeEngineModule {
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
