// EngineCore: the synchronous, documented wrapper of the WebAssembly engine. It owns every wasm
// object it creates (layers are cached by spec and deleted when replaced or on dispose), turns
// every failure into a `Result` error value, and copies results out of the wasm heap so they stay
// valid after the next call. Runs in a Web Worker (worker.ts) and in Node (tests).
//
// Under Node, Emscripten 3.1.6's ES module touches `__dirname`/`require` at load and would try to
// fetch() a file path: pass `wasmBinary` (bytes read with fs) and provide those globals.
import type createMoeEngine from '@engine-wasm/moe_engine.mjs';
import type { MoeEngineModule, RawError, RawLayer, RawTrace, RawTrainer } from '@engine-wasm/moe_engine.mjs';
import type { TrainAssignment, TrainChunk, TrainConfig, TrainStats, TrainTiming } from './types';
import type { ActiveSolve, CostConfig, CostReport, Embedding, ExpertProbe, ForwardTiming, LayerSpec, Result, Trace } from './types';
import type { DenseBaselineKind, ModRoute } from './types';
import type { CommSpec, CommVolume, TrainingMemory } from './types';
import type { ArgsOf, EngineMethods, TimingOptions, TrainTimingOptions } from './api';
import { guard } from './guard';
import { LmModels } from './lm-core';
import type { LmModuleLoader } from './lm-core';
import type { LmFiles, LmGenerated, LmGenerateOptions, LmGenerateStart, LmInfo, LmText, LmTokens, LmTrace } from './lm-types';
import type { LmContinuation, LmEvalOptions, LmEvaluation, LmMaskedGenerateOptions } from './lm-types';
import type { LmAnalysis, LmAnalyzeOptions, LmNamedText } from './lm-types';
import { LmTrainers } from './lm-train-core';
import type { LmTrainChunk, LmTrainerInfo, LmTrainRecipe, LmTrainSaturation, LmTrainText, LmTrainTexts } from './lm-types';

export interface EngineLoadOptions {
  /** The bytes of moe_engine.wasm; skips fetching it (required under Node). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Maps a file the module needs (`moe_engine.wasm`) to its URL, e.g. a Vite `?url` import. */
  locateFile?: (path: string) => string;
  /** Instantiates another build of the same module instead (the threaded one: load.ts). */
  create?: typeof createMoeEngine;
  /** Instantiates the language model's module when first needed. Default: lm-load.ts (fetches moe_lm.wasm). */
  lm?: LmModuleLoader;
}

/** The page's way to the language model's module: its own chunk, fetched on the first lm* call. */
const fetchLmModule: LmModuleLoader = () => import('./lm-load').then((m) => m.loadLmModule());

/** A trace whose arrays are copies, no longer views of the wasm heap. */
function copyTrace(t: RawTrace): Trace {
  return {
    tokens: t.tokens,
    d_model: t.d_model,
    num_experts: t.num_experts,
    top_k: t.top_k,
    router_logits: t.router_logits.slice(),
    router_probs: t.router_probs.slice(),
    topk_ids: t.topk_ids.slice(),
    topk_weights: t.topk_weights.slice(),
    expert_outputs: t.expert_outputs.slice(),
    output: t.output.slice(),
    expert_load: t.expert_load.slice(),
    aux_loss: t.aux_loss,
    slots: t.slots,
    groups: t.groups,
    capacity: t.capacity,
    residual_added: t.residual_added,
    fraction_unrouted: t.fraction_unrouted,
    noisy_logits: t.noisy_logits.slice(),
    kept: t.kept.slice(),
    combine_weights: t.combine_weights.slice(),
    dropped: t.dropped.slice(),
    expert_index_returned: t.expert_index_returned.slice(),
    counts_before_capacity: t.counts_before_capacity.slice(),
    counts_after_capacity: t.counts_after_capacity.slice(),
    dispatch_weights: t.dispatch_weights.slice(),
    slot_inputs: t.slot_inputs.slice(),
    slot_outputs: t.slot_outputs.slice(),
    shared_expert_output: t.shared_expert_output.slice(),
    shared_expert_gate_logit: t.shared_expert_gate_logit.slice(),
    losses: { ...t.losses },
    stats: { ...t.stats, f_i: t.stats.f_i.slice(), P_i: t.stats.P_i.slice() },
  };
}

/** True when every value is a number (the calls that take plain numbers check this first). */
function allNumbers(values: unknown[]): boolean {
  return values.every((v) => typeof v === 'number');
}

/** The middle of `values` (the mean of the middle two for an even count); the timings report it. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Implements every call of the engine's table (api.ts). */
export class EngineCore implements EngineMethods {
  private layer: RawLayer | null = null;
  private layerKey = '';
  private disposed = false;
  private readonly trainers = new Map<number, RawTrainer>();
  private nextTrainerId = 1;
  private readonly lm: LmModels;
  private readonly lmTrain: LmTrainers;

  private constructor(
    private readonly module: MoeEngineModule,
    lmLoader: LmModuleLoader,
  ) {
    this.lm = new LmModels(lmLoader);
    this.lmTrain = new LmTrainers(() => this.lm.loaded());
  }

  /** Instantiates the wasm module. Rejects only if the module itself cannot load. */
  static async load(options: EngineLoadOptions = {}): Promise<EngineCore> {
    const { wasmBinary, locateFile } = options;
    // Imported here, not at the top: the worker that loads the threaded build never downloads this one.
    const create = options.create ?? (await import('@engine-wasm/moe_engine.mjs')).default;
    const module = await create({
      ...(wasmBinary ? { wasmBinary } : {}),
      ...(locateFile ? { locateFile: (path: string) => locateFile(path) } : {}),
    });
    return new EngineCore(module, options.lm ?? fetchLmModule);
  }

  /**
   * One MoE forward pass of the layer `spec` over `tokens` tokens; `input` is [tokens, d_model]
   * row-major. The layer is built once per distinct spec (compared as JSON) and reused; a new
   * spec deletes the previous layer. Errors (`config.top_k: ...`, `input: ...`) come back as
   * values and leave the engine usable.
   */
  forward(spec: LayerSpec, input: Float32Array, tokens: number): Result<Trace> {
    if (this.disposed) return { ok: false, error: 'engine: disposed' };
    return guard(() => {
      const key = JSON.stringify(spec);
      if (typeof key !== 'string') return { ok: false, error: 'spec: must be an object' };
      if (this.layer === null || key !== this.layerKey) {
        const created = this.module.createLayer(key);
        if (!created.ok) return { ok: false, error: created.error };
        this.layer?.delete();
        this.layer = created.layer;
        this.layerKey = key;
      }
      if (!(input instanceof Float32Array)) return { ok: false, error: 'input: must be a Float32Array' };
      if (typeof tokens !== 'number') return { ok: false, error: 'input.tokens: must be a number' };
      const run = this.layer.forward(input, tokens);
      if (!run.ok) return { ok: false, error: run.error };
      return { ok: true, value: copyTrace(run.trace) };
    });
  }

  /**
   * Mixture-of-Depths routing: scores r = x · w_r for `input` [sequences, seqLen, dModel], and the
   * `capacity` best tokens of each sequence run the block (engine `mod_route`). Copies.
   */
  modRoute(...args: ArgsOf<'modRoute'>): Result<ModRoute> {
    const [input, sequences, seqLen, dModel, routerWeight, capacity] = args;
    const sizes = { sequences, seq_len: seqLen, d_model: dModel, capacity };
    const badSize = Object.entries(sizes).find(([, v]) => !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1);
    const refusal = !(input instanceof Float32Array)
      ? 'input: must be a Float32Array'
      : !(routerWeight instanceof Float32Array)
        ? 'router_weight: must be a Float32Array'
        : badSize && `${badSize[0]}: must be an integer, got ${String(badSize[1])}`;
    return this.callRaw(refusal, () => this.module.modRoute(input, sequences, seqLen, dModel, routerWeight, capacity), (r) => r.route);
  }

  /**
   * The dense FFN LayerSpec to compare `spec` with (engine `dense_baseline_spec`): a one-expert
   * layer of width d_ff·E + shared ('total', same stored parameters) or d_ff·k + shared ('active').
   */
  denseBaseline(spec: LayerSpec, which: DenseBaselineKind): Result<LayerSpec> {
    return this.callRaw(
      undefined,
      () => {
        const text = JSON.stringify(spec);
        if (typeof text !== 'string') return { ok: false, error: 'spec: must be an object' };
        return this.module.denseBaseline(text, String(which));
      },
      (r) => JSON.parse(r.spec) as LayerSpec,
    );
  }

  /** The interpretable embedding of `text`: tokens, the 8 feature names, features [T, 8]. */
  embed(text: string): Result<Embedding> {
    return this.callRaw(
      typeof text !== 'string' && 'text: must be a string',
      () => this.module.embedText(text),
      (r) => ({ tokens: r.tokens, feature_names: r.feature_names, features: r.features }),
    );
  }

  /** Total and active parameters and FLOPs per token of a stack of MoE layers (engine `layer_cost`). */
  cost(config: CostConfig): Result<CostReport> {
    return this.callRaw(
      (typeof config !== 'object' || config === null) && 'cost: must be an object',
      () => this.module.layerCost({ ...config }),
      (r) => ({ ...r.report }),
    );
  }

  /** Active parameters when only the total, the shared share and E, k are known (engine `solve_active_from_total`). */
  solveActive(totalParams: number, sharedFraction: number, numExperts: number, topK: number): Result<ActiveSolve> {
    return this.callRaw(
      !allNumbers([totalParams, sharedFraction, numExperts, topK]) && 'cost: every argument must be a number',
      () => this.module.solveActive(totalParams, sharedFraction, numExperts, topK),
      (r) => ({ ...r.solve }),
    );
  }

  /** Most (token, slot) pairs one expert takes from a group: floor(factor · k · tokens / E) (engine `expert_capacity_for`). */
  expertCapacity(capacityFactor: number, tokens: number, numExperts: number, topK: number): Result<number> {
    return this.callRaw(
      !allNumbers([capacityFactor, tokens, numExperts, topK]) && 'capacity: every argument must be a number',
      () => this.module.expertCapacity(capacityFactor, tokens, numExperts, topK),
      (r) => r.capacity,
    );
  }

  /**
   * All-to-all bytes of expert parallelism for one routed batch (engine `all_to_all_volume`): pass
   * a trace's topk_ids (and `kept`, for capacity routers) with the model's d_model and number
   * format. Counts dispatch and combine per forward pass, what crosses devices, and a training step.
   */
  commVolume(spec: CommSpec): Result<CommVolume> {
    return this.callRaw(
      (typeof spec !== 'object' || spec === null) && 'comm: must be an object',
      () => this.module.commVolume({ ...spec }),
      (r) => ({ ...r.volume }),
    );
  }

  /** Parameter memory in serving and in training (engine `training_memory`: weights, gradients, Adam moments, master copy). */
  trainingMemory(totalParams: number, bytesPerValue: number): Result<TrainingMemory> {
    return this.callRaw(
      !allNumbers([totalParams, bytesPerValue]) && 'memory: both arguments must be numbers',
      () => this.module.trainingMemory(totalParams, bytesPerValue),
      (r) => ({ ...r.memory }),
    );
  }

  /** Expert `expert` of the layer `spec` opened up for one token `input` [d_model] (engine `expert_probe`). */
  probeExpert(spec: LayerSpec, expert: number, input: Float32Array): Result<ExpertProbe> {
    const refusal = !(input instanceof Float32Array) ? 'input: must be a Float32Array' : !Number.isInteger(expert) && 'expert: must be an integer';
    return this.callRaw(
      refusal,
      () => this.module.probeExpert(JSON.stringify(spec), expert, input),
      (r) => ({ ...r.probe }),
    );
  }

  /**
   * Times `calls` forward passes of `spec` over `input` [tokens, d_model], `runs` times, after
   * `warmup` untimed calls (V8 tiers a wasm function up between calls, not inside one), with
   * performance.now(). Reports every run and the median time per call. Traces are not copied
   * out while timing.
   */
  timeForward(
    spec: LayerSpec,
    input: Float32Array,
    tokens: number,
    options: TimingOptions = {},
  ): Result<ForwardTiming> {
    const warmup = Math.min(Math.max(Math.trunc(options.warmup ?? 3), 0), 100);
    const calls = Math.min(Math.max(Math.trunc(options.calls ?? 5), 1), 1000);
    const runs = Math.min(Math.max(Math.trunc(options.runs ?? 5), 1), 51);
    const first = this.forward(spec, input, tokens); // builds and caches the layer, checks the input
    if (!first.ok) return first;
    return guard(() => {
      const layer = this.layer!;
      for (let i = 0; i < warmup; i++) layer.forward(input, tokens);
      const runs_ms: number[] = [];
      for (let r = 0; r < runs; r++) {
        const start = performance.now();
        for (let i = 0; i < calls; i++) {
          const out = layer.forward(input, tokens);
          if (!out.ok) return { ok: false, error: out.error };
        }
        runs_ms.push(performance.now() - start);
      }
      const median_ms_per_call = median(runs_ms) / calls;
      return {
        ok: true,
        value: {
          tokens,
          calls_per_run: calls,
          runs_ms,
          median_ms_per_call,
          tokens_per_second: median_ms_per_call > 0 ? (tokens * 1000) / median_ms_per_call : Infinity,
        },
      };
    });
  }

  // ---- Live training. Trainers are wasm objects owned here and named by an id (ids cross the
  // worker boundary; objects cannot). Train in chunks: each trainRun() returns between calls,
  // so the page can draw and cancel. Deterministic: the same config gives the same numbers.

  /** Creates a trainer from `config` (engine/README.md "Training config"); returns its id. */
  trainCreate(config: TrainConfig): Result<number> {
    if (this.disposed) return { ok: false, error: 'engine: disposed' };
    return guard(() => {
      const text = JSON.stringify(config);
      if (typeof text !== 'string') return { ok: false, error: 'config: must be an object' };
      const created = this.module.createTrainer(text);
      if (!created.ok) return { ok: false, error: created.error };
      const id = this.nextTrainerId++;
      this.trainers.set(id, created.trainer);
      return { ok: true, value: id };
    });
  }

  /** Trains `steps` more steps of trainer `id`; the arrays are copies. */
  trainRun(id: number, steps: number): Result<TrainChunk> {
    const trainer = this.trainer(id);
    if (!trainer.ok) return trainer;
    return guard(() => {
      const r = trainer.value.run(steps);
      if (!r.ok) return { ok: false, error: r.error };
      return {
        ok: true,
        value: {
          steps: r.steps,
          step: r.step,
          num_experts: trainer.value.num_experts,
          loss: r.loss.slice(),
          aux_loss: r.aux_loss.slice(),
          expert_load: r.expert_load.slice(),
          router_prob: r.router_prob.slice(),
          selection_bias: r.selection_bias.slice(),
        },
      };
    });
  }

  /** Load CV, busiest share, loss and NMI of trainer `id`'s current model over its dataset. */
  trainStats(id: number): Result<TrainStats> {
    const trainer = this.trainer(id);
    if (!trainer.ok) return trainer;
    return guard(() => {
      const r = trainer.value.stats();
      if (!r.ok) return { ok: false, error: r.error };
      const { ok: _ok, ...stats } = r;
      return { ok: true, value: stats };
    });
  }

  /** Top-1 expert per token of `text` under trainer `id` (tokens task only). */
  trainAssign(id: number, text: string): Result<TrainAssignment> {
    const trainer = this.trainer(id);
    if (!trainer.ok) return trainer;
    if (typeof text !== 'string') return { ok: false, error: 'text: must be a string' };
    return guard(() => {
      const r = trainer.value.assign(text);
      if (!r.ok) return { ok: false, error: r.error };
      return { ok: true, value: { tokens: r.tokens, experts: r.experts } };
    });
  }

  /**
   * Times training steps of trainer `id` where the engine runs: `warmup` untimed steps (V8 tiers
   * wasm up between calls), then `runs` timed calls of run(`steps`) with performance.now(). The
   * trainer really trains those steps (its model moves on). Reports every run and the median
   * milliseconds per step (forward + backward + optimiser update of one batch).
   */
  trainTime(id: number, steps: number, options: TrainTimingOptions = {}): Result<TrainTiming> {
    const trainer = this.trainer(id);
    if (!trainer.ok) return trainer;
    if (!Number.isInteger(steps) || steps < 1 || steps > 10000) return { ok: false, error: 'steps: must be an integer from 1 to 10000' };
    const warmup = Math.min(Math.max(Math.trunc(options.warmup ?? 10), 0), 1000);
    const runs = Math.min(Math.max(Math.trunc(options.runs ?? 5), 1), 51);
    return guard(() => {
      if (warmup > 0) {
        const w = trainer.value.run(warmup);
        if (!w.ok) return { ok: false, error: w.error };
      }
      const runs_ms: number[] = [];
      for (let r = 0; r < runs; r++) {
        const start = performance.now();
        const out = trainer.value.run(steps);
        runs_ms.push(performance.now() - start);
        if (!out.ok) return { ok: false, error: out.error };
      }
      const median_ms_per_step = median(runs_ms) / steps;
      return {
        ok: true,
        value: {
          steps_per_run: steps,
          runs_ms,
          median_ms_per_step,
          steps_per_second: median_ms_per_step > 0 ? 1000 / median_ms_per_step : Infinity,
          step: trainer.value.step,
        },
      };
    });
  }

  /** Frees trainer `id` (unknown ids are ignored). */
  trainDelete(id: number): Result<null> {
    this.trainers.get(id)?.delete();
    this.trainers.delete(id);
    return { ok: true, value: null };
  }

  /**
   * One call of a raw function that answers `{ok: true, ...}` or an error: refused when the engine
   * is disposed or when `refusal` (the call's own argument check, a falsy value when the arguments
   * are fine) names what is wrong; a throw becomes an `engine: ...` error; `value` picks the answer.
   */
  private callRaw<R extends { ok: true }, T>(refusal: string | false | undefined, call: () => R | RawError, value: (r: R) => T): Result<T> {
    if (this.disposed) return { ok: false, error: 'engine: disposed' };
    if (refusal) return { ok: false, error: refusal };
    return guard(() => {
      const r = call();
      return r.ok ? { ok: true, value: value(r) } : { ok: false, error: r.error };
    });
  }

  private trainer(id: number): Result<RawTrainer> {
    if (this.disposed) return { ok: false, error: 'engine: disposed' };
    const t = this.trainers.get(id);
    return t ? { ok: true, value: t } : { ok: false, error: `trainer: no trainer with id ${String(id)}` };
  }

  // ---- The language model: lm-core.ts does the work; the calls are documented in api.ts.

  /**
   * Loads the language model's wasm module if it is not loaded yet. The worker awaits this before
   * every call whose table entry says `module: 'lm'`; the lm* methods below answer an error until then.
   */
  ensureLm(): Promise<Result<null>> {
    return this.disposed ? Promise.resolve({ ok: false, error: 'engine: disposed' }) : this.lm.ensure();
  }

  lmLoad(files: LmFiles): Result<LmInfo> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.load(files);
  }
  lmTokenize(id: number, text: string): Result<LmTokens> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.tokenize(id, text);
  }
  lmDetokenize(id: number, ids: Int32Array | number[]): Result<LmText> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.detokenize(id, ids);
  }
  lmTrace(id: number, ids: Int32Array | number[]): Result<LmTrace> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.trace(id, ids);
  }
  lmGenerateStart(id: number, prompt: Int32Array | number[], options?: LmGenerateOptions): Result<LmGenerateStart> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.generateStart(id, prompt, options);
  }
  lmGenerateNext(id: number, n: number): Result<LmGenerated> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.generateNext(id, n);
  }
  lmEval(id: number, texts: LmNamedText[], options?: LmEvalOptions): Result<LmEvaluation> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.evaluate(id, texts, options);
  }
  lmGenerateMasked(id: number, prompt: Int32Array | number[], options?: LmMaskedGenerateOptions): Result<LmContinuation> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.generateMasked(id, prompt, options);
  }
  lmAnalyze(id: number, texts: LmNamedText[], options?: LmAnalyzeOptions): Result<LmAnalysis> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lm.analyze(id, texts, options);
  }
  lmDelete(id: number): Result<null> {
    return this.lm.delete(id);
  }

  // ---- Training a small language model in the page: lm-train-core.ts does the work (api.ts documents the calls).
  lmTrainStart(config: LmTrainRecipe, texts: LmTrainTexts): Result<LmTrainerInfo> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lmTrain.start(config, texts);
  }
  lmTrainSteps(id: number, n: number): Result<LmTrainChunk> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lmTrain.steps(id, n);
  }
  lmTrainHeldout(id: number): Result<number[]> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lmTrain.heldout(id);
  }
  lmTrainRecordRouting(id: number): Result<number> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lmTrain.recordRouting(id);
  }
  lmTrainSaturation(id: number): Result<LmTrainSaturation> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lmTrain.saturation(id);
  }
  lmTrainGenerate(id: number, prompt: string, options?: LmGenerateOptions): Result<LmTrainText> {
    return this.disposed ? { ok: false, error: 'engine: disposed' } : this.lmTrain.generate(id, prompt, options);
  }
  lmTrainDelete(id: number): Result<null> {
    return this.lmTrain.delete(id);
  }

  /** Frees the cached layer, the trainers and the language models. Later calls return an error value. */
  dispose(): void {
    this.lmTrain.dispose();
    this.lm.dispose();
    for (const t of this.trainers.values()) t.delete();
    this.trainers.clear();
    this.layer?.delete();
    this.layer = null;
    this.layerKey = '';
    this.disposed = true;
  }
}
