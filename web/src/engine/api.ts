// The engine's API, declared once. Each entry is one call: its arguments, what it answers, and
// which functions of the raw embind module (engine/wasm/moe_engine.d.mts) it reaches.
// Everything else derives from this table: EngineCore implements `EngineMethods`, the worker's
// dispatch and the message union (rpc.ts) map over its names, and the page's `Engine` (client.ts)
// gets one method per entry. tests/web/engine-api.test.ts holds the `raw` names against the
// module's declaration (every raw function is reached by some call) and against the loaded build.
import type { MoeEngineModule, RawLayer, RawTrainer } from '@engine-wasm/moe_engine.mjs';
import type { MoeLmModule, RawLm, RawLmTrainer } from '@engine-wasm/moe_lm.mjs';
import type { LmFiles, LmGenerated, LmGenerateOptions, LmGenerateStart, LmInfo, LmText, LmTokens, LmTrace } from './lm-types';
import type { LmContinuation, LmEvalOptions, LmEvaluation, LmMaskedGenerateOptions } from './lm-types';
import type { LmAnalysis, LmAnalyzeOptions, LmNamedText } from './lm-types';
import type { LmTrainChunk, LmTrainerInfo, LmTrainRecipe, LmTrainSaturation, LmTrainText, LmTrainTexts } from './lm-types';
import type { ActiveSolve, CommSpec, CommVolume, CostConfig, CostReport, DenseBaselineKind, Embedding, ExpertProbe } from './types';
import type { ForwardTiming, LayerSpec, ModRoute, Result, Trace, TrainAssignment, TrainChunk, TrainConfig } from './types';
import type { TrainStats, TrainTiming, TrainingMemory } from './types';

export type TimingOptions = { warmup?: number; calls?: number; runs?: number };
export type TrainTimingOptions = { warmup?: number; runs?: number };

type FunctionKeys<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;

/**
 * A function of the raw modules: a free function, or a method of a layer, trainer or language model
 * they return. The language model's are in a module of their own (moe_lm, see `module` below).
 */
export type RawFunction =
  | FunctionKeys<MoeEngineModule>
  | FunctionKeys<MoeLmModule>
  | `layer.${FunctionKeys<RawLayer>}`
  | `trainer.${FunctionKeys<RawTrainer>}`
  | `lm.${FunctionKeys<RawLm>}`
  | `lmTrainer.${FunctionKeys<RawLmTrainer>}`;

declare const types: unique symbol;
/** A call's argument and answer types. Only the type checker reads it: at run time it is `{}`. */
export interface Signature<Args extends unknown[], Value> {
  readonly [types]?: (...args: Args) => Value;
}

function signature<Args extends unknown[], Value>(): Signature<Args, Value> {
  return {};
}

/** One call of the table: its types, and the raw functions it reaches. */
export interface ApiMethod {
  readonly raw: readonly RawFunction[];
  readonly types: Signature<never, unknown>;
  /**
   * 'lm': the call needs the language model's module (moe_lm.wasm), which the worker fetches
   * before the first such call (EngineCore.ensureLm), so pages without a model never download it.
   */
  readonly module?: 'lm';
}

export const engineApi = {
  /**
   * One MoE forward pass of the layer `spec` over `tokens` tokens; `input` is [tokens, d_model]
   * row-major. The layer is built once per distinct spec and reused.
   */
  forward: {
    types: signature<[spec: LayerSpec, input: Float32Array, tokens: number], Trace>(),
    raw: ['createLayer', 'layer.forward', 'layer.delete'],
  },
  /** The interpretable embedding of `text`: tokens, the 8 feature names, features [T, 8]. */
  embed: {
    types: signature<[text: string], Embedding>(),
    raw: ['embedText'],
  },
  /** Total and active parameters and FLOPs per token (engine `layer_cost`). */
  cost: {
    types: signature<[config: CostConfig], CostReport>(),
    raw: ['layerCost'],
  },
  /** Active parameters from a total size, a shared share, E and k (engine `solve_active_from_total`). */
  solveActive: {
    types: signature<[totalParams: number, sharedFraction: number, numExperts: number, topK: number], ActiveSolve>(),
    raw: ['solveActive'],
  },
  /** Expert capacity for a factor, a group of tokens, E and k (engine `expert_capacity_for`). */
  expertCapacity: {
    types: signature<[capacityFactor: number, tokens: number, numExperts: number, topK: number], number>(),
    raw: ['expertCapacity'],
  },
  /** One expert's intermediates for one token `input` [d_model] (engine `expert_probe`). */
  probeExpert: {
    types: signature<[spec: LayerSpec, expert: number, input: Float32Array], ExpertProbe>(),
    raw: ['probeExpert'],
  },
  /** All-to-all bytes of one routed batch spread over devices (engine `all_to_all_volume`). */
  commVolume: {
    types: signature<[spec: CommSpec], CommVolume>(),
    raw: ['commVolume'],
  },
  /** Parameter memory in serving and training (engine `training_memory`). */
  trainingMemory: {
    types: signature<[totalParams: number, bytesPerValue: number], TrainingMemory>(),
    raw: ['trainingMemory'],
  },
  /** Times repeated forward passes where the engine runs, on this device (EngineCore.timeForward). */
  timeForward: {
    types: signature<[spec: LayerSpec, input: Float32Array, tokens: number, options?: TimingOptions], ForwardTiming>(),
    raw: ['createLayer', 'layer.forward'],
  },
  /** Creates a trainer from `config` (engine/README.md "Training config"); answers its id. */
  trainCreate: {
    types: signature<[config: TrainConfig], number>(),
    raw: ['createTrainer'],
  },
  /** Trains `steps` more steps of trainer `id`: per-step loss, aux loss and expert loads. */
  trainRun: {
    types: signature<[id: number, steps: number], TrainChunk>(),
    raw: ['trainer.run'],
  },
  /** Load fractions, load CV, busiest share, loss and NMI of trainer `id` over its whole dataset. */
  trainStats: {
    types: signature<[id: number], TrainStats>(),
    raw: ['trainer.stats'],
  },
  /** Top-1 expert of each token of `text` under trainer `id` (tokens task). */
  trainAssign: {
    types: signature<[id: number, text: string], TrainAssignment>(),
    raw: ['trainer.assign'],
  },
  /** Times run(`steps`) of trainer `id` where the engine runs (it keeps training). */
  trainTime: {
    types: signature<[id: number, steps: number, options?: TrainTimingOptions], TrainTiming>(),
    raw: ['trainer.run'],
  },
  /** Frees trainer `id`; unknown ids are ignored. */
  trainDelete: {
    types: signature<[id: number], null>(),
    raw: ['trainer.delete'],
  },
  /** Mixture-of-Depths routing of `input` [sequences, seqLen, dModel] at `capacity` tokens per sequence. */
  modRoute: {
    types: signature<[input: Float32Array, sequences: number, seqLen: number, dModel: number, routerWeight: Float32Array, capacity: number], ModRoute>(),
    raw: ['modRoute'],
  },
  /** The dense FFN spec with the same total or active parameters (engine `dense_baseline_spec`). */
  denseBaseline: {
    types: signature<[spec: LayerSpec, which: DenseBaselineKind], LayerSpec>(),
    raw: ['denseBaseline'],
  },
  // ---- The language model (lm-types.ts), in its own wasm module. Load a folder's files once; the
  // worker keeps the model.
  /** Loads a model folder (config.json, model.safetensors, optional tokenizer.json); answers its id and sizes. */
  lmLoad: {
    types: signature<[files: LmFiles], LmInfo>(),
    raw: ['createLm', 'lm.info'],
    module: 'lm',
  },
  /** The tokens of `text` under model `id`'s tokenizer, and each token's text. */
  lmTokenize: {
    types: signature<[id: number, text: string], LmTokens>(),
    raw: ['lm.encode', 'lm.tokenBytes'],
    module: 'lm',
  },
  /** Token ids back to text, and each token's text. */
  lmDetokenize: {
    types: signature<[id: number, ids: Int32Array | number[]], LmText>(),
    raw: ['lm.tokenBytes'],
    module: 'lm',
  },
  /** One forward pass over `ids`: routing per layer and token, and each next token's NLL. */
  lmTrace: {
    types: signature<[id: number, ids: Int32Array | number[]], LmTrace>(),
    raw: ['lm.trace'],
    module: 'lm',
  },
  /** Starts generating after `prompt` (KV cache in the worker); answers the prompt's routing. */
  lmGenerateStart: {
    types: signature<[id: number, prompt: Int32Array | number[], options?: LmGenerateOptions], LmGenerateStart>(),
    raw: ['lm.generateStart'],
    module: 'lm',
  },
  /** Up to `n` more generated tokens with their text and routing; call again for more, or stop (cancel). */
  lmGenerateNext: {
    types: signature<[id: number, n: number], LmGenerated>(),
    raw: ['lm.generateNext', 'lm.info', 'lm.tokenBytes'],
    module: 'lm',
  },
  /** Frees model `id`; unknown ids are ignored. */
  lmDelete: {
    types: signature<[id: number], null>(),
    raw: ['lm.delete'],
    module: 'lm',
  },
  // ---- Held-out evaluation (lm_eval_bindings.cpp)
  /**
   * Mean next-token loss of model `id` on each named text (as `moe lm eval`), optionally with
   * experts switched off or each token's first choices masked; `masking_study` adds the loss with
   * top-1 masked and with each expert off.
   */
  lmEval: {
    types: signature<[id: number, texts: LmNamedText[], options?: LmEvalOptions], LmEvaluation>(),
    raw: ['evaluateLm'],
    module: 'lm',
  },
  /** Greedy continuation of `prompt` (token ids) with experts switched off or top ranks masked, as lmEval's options. */
  lmGenerateMasked: {
    types: signature<[id: number, prompt: Int32Array | number[], options?: LmMaskedGenerateOptions], LmContinuation>(),
    raw: ['generateMaskedLm', 'lm.tokenBytes'],
    module: 'lm',
  },
  // ---- Routing analyses (p5-read: engine/wasm/lm_analysis_bindings.cpp).
  /**
   * The routing analyses of `moe lm analyze` on named texts (one domain each): consecutive
   * agreement, expert share per text, NMI, vocabulary specialisation, co-activation, loss per text.
   */
  lmAnalyze: {
    types: signature<[id: number, texts: LmNamedText[], options?: LmAnalyzeOptions], LmAnalysis>(),
    raw: ['lmAnalyze'],
    module: 'lm',
  },
  // ---- Training a small language model in the page (lm-train-core.ts): start a run, then call
  // lmTrainSteps in chunks of a few steps, so the page can plot between chunks and cancel.
  /** Starts a run of TRAIN.json's training fields on the given texts and tokenizer; answers its id and sizes. */
  lmTrainStart: {
    types: signature<[config: LmTrainRecipe, texts: LmTrainTexts], LmTrainerInfo>(),
    raw: ['createLmTrainer', 'lmTrainer.info'],
    module: 'lm',
  },
  /** Up to `n` more steps of run `id`: each step's loss, aux loss, lr and expert load per layer. */
  lmTrainSteps: {
    types: signature<[id: number, n: number], LmTrainChunk>(),
    raw: ['lmTrainer.train'],
    module: 'lm',
  },
  /** Held-out loss of run `id`'s model now, per domain (the run's domain order). */
  lmTrainHeldout: {
    types: signature<[id: number], number[]>(),
    raw: ['lmTrainer.heldout'],
    module: 'lm',
  },
  /** Keeps the routing of the run's fixed evaluation text at this step (for lmTrainSaturation). */
  lmTrainRecordRouting: {
    types: signature<[id: number], number>(),
    raw: ['lmTrainer.recordRouting'],
    module: 'lm',
  },
  /** Router saturation of every kept step against the model now (OLMoE). */
  lmTrainSaturation: {
    types: signature<[id: number], LmTrainSaturation>(),
    raw: ['lmTrainer.saturation'],
    module: 'lm',
  },
  /** The text run `id`'s model writes now after `prompt`. */
  lmTrainGenerate: {
    types: signature<[id: number, prompt: string, options?: LmGenerateOptions], LmTrainText>(),
    raw: ['lmTrainer.generate'],
    module: 'lm',
  },
  /** Frees run `id`; unknown ids are ignored. */
  lmTrainDelete: {
    types: signature<[id: number], null>(),
    raw: ['lmTrainer.delete'],
    module: 'lm',
  },
} as const satisfies Record<string, ApiMethod>;

export type EngineApi = typeof engineApi;
export type MethodName = keyof EngineApi;
export type ArgsOf<M extends MethodName> = Parameters<NonNullable<EngineApi[M]['types'][typeof types]>>;
export type ValueOf<M extends MethodName> = ReturnType<NonNullable<EngineApi[M]['types'][typeof types]>>;

/** True when call `name` needs the language model's module (its entry says `module: 'lm'`). */
export function needsLmModule(name: MethodName): boolean {
  return (engineApi[name] as ApiMethod).module === 'lm';
}

/** Every method name, in table order. */
export const methodNames = Object.keys(engineApi) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(engineApi, name);
}

/** The engine where it runs (the worker, or Node in tests): each call answers at once. EngineCore implements it. */
export type EngineMethods = { [M in keyof EngineApi]: (...args: ArgsOf<M>) => Result<ValueOf<M>> };

/** The engine seen from the page: the same calls, answered by the worker. */
export type EngineCalls = { [M in keyof EngineApi]: (...args: ArgsOf<M>) => Promise<Result<ValueOf<M>>> };
