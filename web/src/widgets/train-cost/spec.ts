// URL state of the train-cost widget: serving versus training cost, measured on
// this device for the demonstration layer, and counted by the engine for a large MoE.
import { int } from '../../player/url-state';
import type { CostConfig, LayerConfig, LayerSpec, TrainConfig } from '../../engine';
import { COLLAPSE_CONFIG, DEMO_SEED, demoConfig } from '../train-common/demo';

export const expertChoices = [8, 16, 64] as const;
export const deviceChoices = [1, 2, 8, 64] as const;
export const tokenChoices = [1024, 4096, 16384] as const;
export const formatChoices = ['fp32', 'bf16'] as const;

export const trainCostState = {
  tc_e: int(8, 1, 64),
  tc_dev: int(8, 1, 64),
  tc_tokens: int(4096, 1, 16384),
  /** Index into formatChoices. */
  tc_fmt: int(1, 0, 1),
};

export const snap = <T extends number>(choices: readonly T[], raw: number, fallback: T): T => (choices.includes(raw as T) ? (raw as T) : fallback);

/**
 * The timed layer: the collapse demo's task and optimiser at d_model 64, d_ff 256, top-2 and a
 * batch of 256. At the demo's own size (d 16) both calls are so short that fixed per-call costs
 * (building the trace, the optimiser's bookkeeping) decide the ratio, and a training step can come
 * out faster than a forward pass; at this size the arithmetic decides it.
 */
const TIMED_SHAPE = { d_model: 64, d_ff: 256, top_k: 2, batch: 256 };
export const timedTrainConfig: TrainConfig = { ...demoConfig(COLLAPSE_CONFIG, DEMO_SEED), ...TIMED_SHAPE };
/** The same layer as a forward-only spec (the trainer's experts are SwiGLU). */
export const timedLayerSpec: LayerSpec = {
  config: {
    d_model: TIMED_SHAPE.d_model,
    d_ff: TIMED_SHAPE.d_ff,
    num_experts: COLLAPSE_CONFIG.num_experts ?? 8,
    top_k: TIMED_SHAPE.top_k,
    router_kind: 'softmax_topk',
    activation: 'silu',
    expert_kind: 'swiglu',
  },
  seed: DEMO_SEED,
};
export const timedCost: CostConfig = {
  d_model: timedLayerSpec.config.d_model,
  d_ff: timedLayerSpec.config.d_ff,
  num_experts: timedLayerSpec.config.num_experts,
  top_k: timedLayerSpec.config.top_k,
  expert_kind: 'swiglu',
};
/**
 * The trainer config of the dense comparison: the timed layer's task, optimiser and batch, with the
 * shape of the engine's dense baseline of the same active size (`denseBaseline(timedLayerSpec,
 * 'active')`: one expert, top-1, d_ff = k · d_ff, so the single softmax gate is exactly 1).
 */
export function denseTrainConfig(dense: LayerConfig): TrainConfig {
  return { ...timedTrainConfig, d_ff: dense.d_ff, num_experts: dense.num_experts, top_k: dense.top_k, router_kind: dense.router_kind };
}

/** Tokens per timed call: one training batch. */
export const TIMED_TOKENS = TIMED_SHAPE.batch;

/** A fixed, varied input [tokens, d] for the timed forward (values only need to be ordinary). */
export function timingInput(tokens: number, d: number): Float32Array {
  const x = new Float32Array(tokens * d);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.7) * 0.8;
  return x;
}

/**
 * Device counts the sheet offers for E experts: the engine places experts in equal contiguous
 * blocks, so the count must divide E. A count from the URL that does not is lowered to the
 * largest one that does.
 */
export function devicesFor(experts: number, raw: number): number {
  const fits = deviceChoices.filter((n) => experts % n === 0);
  if ((fits as number[]).includes(raw)) return raw;
  return fits.filter((n) => n <= raw).at(-1) ?? 1;
}

/**
 * The batch whose traffic the sheet counts: `tokens` random inputs routed by a seeded softmax
 * top-k router over E experts. Only its topk_ids are used (the engine then counts the bytes at
 * the large model's d_model), so the router stays small: ROUTE_D inputs, tiny experts.
 */
export const ROUTE_D = 8;
/** Tokens decoded together in the memory-read row: one step of a busy server. */
export const DECODE_BATCH = 64;
export const ROUTE_SEED = 2024;
export function routedBatchSpec(experts: number, topK: number): LayerSpec {
  return {
    config: { d_model: ROUTE_D, d_ff: 8, num_experts: experts, top_k: topK, router_kind: 'softmax_topk', activation: 'silu', expert_kind: 'mlp' },
    seed: DEMO_SEED,
  };
}
