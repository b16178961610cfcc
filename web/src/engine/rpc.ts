// The message protocol between the page (client.ts) and the engine worker
// (worker.ts). Kept free of Worker globals so both sides and tests share it.
import type { ActiveSolve, CostConfig, CostReport, Embedding, ExpertProbe, ForwardTiming, LayerSpec, Result, Trace } from './types';
import type { TrainAssignment, TrainChunk, TrainConfig, TrainStats, TrainTiming } from './types';
import type { DenseBaselineKind, ModRoute } from './types';
import type { CommSpec, CommVolume, TrainingMemory } from './types';

/** What the worker needs from the engine; EngineCore satisfies it. */
export interface EngineMethods {
  forward(spec: LayerSpec, input: Float32Array, tokens: number): Result<Trace>;
  embed(text: string): Result<Embedding>;
  cost(config: CostConfig): Result<CostReport>;
  solveActive(totalParams: number, sharedFraction: number, numExperts: number, topK: number): Result<ActiveSolve>;
  expertCapacity(capacityFactor: number, tokens: number, numExperts: number, topK: number): Result<number>;
  probeExpert(spec: LayerSpec, expert: number, input: Float32Array): Result<ExpertProbe>;
  commVolume(spec: CommSpec): Result<CommVolume>;
  trainingMemory(totalParams: number, bytesPerValue: number): Result<TrainingMemory>;
  timeForward(spec: LayerSpec, input: Float32Array, tokens: number, options?: TimingOptions): Result<ForwardTiming>;
  trainCreate(config: TrainConfig): Result<number>;
  trainRun(id: number, steps: number): Result<TrainChunk>;
  trainStats(id: number): Result<TrainStats>;
  trainAssign(id: number, text: string): Result<TrainAssignment>;
  trainTime(id: number, steps: number, options?: TrainTimingOptions): Result<TrainTiming>;
  trainDelete(id: number): void;
  modRoute(input: Float32Array, sequences: number, seqLen: number, dModel: number, routerWeight: Float32Array, capacity: number): Result<ModRoute>;
  denseBaseline(spec: LayerSpec, which: DenseBaselineKind): Result<LayerSpec>;
}

export type TrainTimingOptions = { warmup?: number; runs?: number };

export type TimingOptions = { warmup?: number; calls?: number; runs?: number };

export type Call =
  | { method: 'ping'; args: [] }
  | { method: 'forward'; args: [spec: LayerSpec, input: Float32Array, tokens: number] }
  | { method: 'embed'; args: [text: string] }
  | { method: 'cost'; args: [config: CostConfig] }
  | { method: 'solveActive'; args: [totalParams: number, sharedFraction: number, numExperts: number, topK: number] }
  | { method: 'expertCapacity'; args: [capacityFactor: number, tokens: number, numExperts: number, topK: number] }
  | { method: 'probeExpert'; args: [spec: LayerSpec, expert: number, input: Float32Array] }
  | { method: 'commVolume'; args: [spec: CommSpec] }
  | { method: 'trainingMemory'; args: [totalParams: number, bytesPerValue: number] }
  | { method: 'timeForward'; args: [spec: LayerSpec, input: Float32Array, tokens: number, options?: TimingOptions] }
  | { method: 'trainCreate'; args: [config: TrainConfig] }
  | { method: 'trainRun'; args: [id: number, steps: number] }
  | { method: 'trainStats'; args: [id: number] }
  | { method: 'trainAssign'; args: [id: number, text: string] }
  | { method: 'trainTime'; args: [id: number, steps: number, options?: TrainTimingOptions] }
  | { method: 'trainDelete'; args: [id: number] }
  | { method: 'modRoute'; args: [input: Float32Array, sequences: number, seqLen: number, dModel: number, routerWeight: Float32Array, capacity: number] }
  | { method: 'denseBaseline'; args: [spec: LayerSpec, which: DenseBaselineKind] };

export type Request = { id: number } & Call;
export type Reply = { id: number; result: Result<unknown> };
/** Sent once, unprompted, when the engine has loaded (or failed to). */
/** `threads`: how many threads the engine's layer forward uses now (1; ThreadsChanged follows in the threaded build). */
export type Hello = { id: 0; ready: true; threads?: number } | { id: 0; ready: false; error: string };
/** Sent after Hello when the threaded build has turned on its second thread (engine/load.ts). */
export type ThreadsChanged = { id: 0; threads: number };

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one request against the engine; never throws, errors come back as values. */
export function handleRequest(engine: EngineMethods, request: Request): Reply {
  try {
    switch (request.method) {
      case 'ping':
        return { id: request.id, result: { ok: true, value: null } };
      case 'forward':
        return { id: request.id, result: engine.forward(...request.args) };
      case 'embed':
        return { id: request.id, result: engine.embed(...request.args) };
      case 'cost':
        return { id: request.id, result: engine.cost(...request.args) };
      case 'solveActive':
        return { id: request.id, result: engine.solveActive(...request.args) };
      case 'expertCapacity':
        return { id: request.id, result: engine.expertCapacity(...request.args) };
      case 'probeExpert':
        return { id: request.id, result: engine.probeExpert(...request.args) };
      case 'commVolume':
        return { id: request.id, result: engine.commVolume(...request.args) };
      case 'trainingMemory':
        return { id: request.id, result: engine.trainingMemory(...request.args) };
      case 'timeForward':
        return { id: request.id, result: engine.timeForward(...request.args) };
      case 'trainCreate':
        return { id: request.id, result: engine.trainCreate(...request.args) };
      case 'trainRun':
        return { id: request.id, result: engine.trainRun(...request.args) };
      case 'trainStats':
        return { id: request.id, result: engine.trainStats(...request.args) };
      case 'trainAssign':
        return { id: request.id, result: engine.trainAssign(...request.args) };
      case 'trainTime':
        return { id: request.id, result: engine.trainTime(...request.args) };
      case 'trainDelete':
        engine.trainDelete(...request.args);
        return { id: request.id, result: { ok: true, value: null } };
      case 'modRoute':
        return { id: request.id, result: engine.modRoute(...request.args) };
      case 'denseBaseline':
        return { id: request.id, result: engine.denseBaseline(...request.args) };
      default: {
        const unknown = request as { id: number; method: string };
        return { id: unknown.id, result: { ok: false, error: `engine: unknown method "${unknown.method}"` } };
      }
    }
  } catch (err) {
    return { id: request.id, result: { ok: false, error: `engine: ${errorText(err)}` } };
  }
}

type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array | Int16Array | Uint16Array | Int8Array | Uint32Array;

/**
 * Makes a reply cheap to post: typed arrays that view the wasm heap are copied
 * out (posting a view would clone the whole heap) and their fresh buffers are
 * listed for transfer. Values are flat objects (Trace, Embedding).
 */
export function portable(reply: Reply): { reply: Reply; transfer: ArrayBuffer[] } {
  const { result } = reply;
  if (!result.ok || typeof result.value !== 'object' || result.value === null) return { reply, transfer: [] };
  const transfer: ArrayBuffer[] = [];
  const value: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(result.value)) {
    if (ArrayBuffer.isView(field) && !(field instanceof DataView)) {
      // An array that owns its whole buffer moves as is; a view into a larger one is copied out.
      const owns = field.byteOffset === 0 && field.byteLength === field.buffer.byteLength;
      const movable = owns ? (field as TypedArray) : (field as TypedArray).slice();
      if (!transfer.includes(movable.buffer as ArrayBuffer)) transfer.push(movable.buffer as ArrayBuffer);
      value[key] = movable;
    } else value[key] = field;
  }
  return { reply: { id: reply.id, result: { ok: true, value } }, transfer };
}
