// Types of the raw embind module build/wasm/moe_engine.mjs (CMake copies this file next to it).
// Only web/src/engine/core.ts should use these; everything else goes through its facade.
// What a binding answers field for field as the facade does is declared once, in the facade's
// web/src/engine/types.ts, and named here (this file and its copy in build/wasm/ both sit two
// folders below the repository root).
import type { ActiveSolve, CommVolume, CostReport, ExpertProbe, ModRoute, RoutingStats, Trace, TraceLosses } from '../../web/src/engine/types';
import type { TrainChunk, TrainingMemory, TrainStats } from '../../web/src/engine/types';

export type RawError = { ok: false; error: string };

/** The facade's Trace, as views of the layer's own buffers: valid until the layer's next forward() or delete(). */
export type RawTrace = Trace;

export type RawTraceLosses = TraceLosses;

/** f_i and P_i are views. */
export type RawTraceStats = RoutingStats;

/** bindings.cpp modRoute: copies. */
export type RawModRoute = ModRoute;

export interface RawLayer {
  forward(input: Float32Array, tokens: number): { ok: true; trace: RawTrace } | RawError;
  readonly d_model: number;
  readonly num_experts: number;
  readonly top_k: number;
  delete(): void;
}

/** cost_bindings.cpp: parameter and FLOP counts of a stack of MoE layers. */
export type RawCostReport = CostReport;

export type RawActiveSolve = ActiveSolve;

/** probe_bindings.cpp. Copies (not views): pre_activation [f], up [f] (swiglu) or [0], hidden [f], output [d]. */
export type RawExpertProbe = ExpertProbe;

/** train_bindings.cpp: a live training run. run()'s arrays are views, valid until its next call; the trainer has num_experts. */
export type RawTrainChunk = Omit<TrainChunk, 'num_experts'>;

/** Copies. */
export type RawTrainStats = TrainStats;

/** cost_bindings.cpp commVolume: byte counts of one routed batch (copies). */
export type RawCommVolume = CommVolume;

export type RawTrainingMemory = TrainingMemory;

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
