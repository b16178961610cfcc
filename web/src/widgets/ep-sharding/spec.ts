// URL state of ep-sharding: experts spread over devices, many random batches routed
// by the engine, and the busiest device's share turned into a step-time histogram.
import { flag, int } from '../../player/url-state';
import type { LayerSpec } from '../../engine/types';

export const DEVICE_COUNTS = [2, 4, 8] as const;
export const STEP_TOKENS = [1024, 4096, 16384] as const;

export const epShardingState = {
  ep_dev: int(4, 2, 8),
  /** Index into SKEWS (default 0.5). */
  ep_skew: int(2, 0, 4),
  /** Batch-data seed. */
  ep_data: int(1, 0, 9999),
  ep_step: int(4096, 1024, 16384),
  ep_table: flag(false),
};

export function deviceCount(raw: number): number {
  return (DEVICE_COUNTS as readonly number[]).includes(raw) ? raw : 4;
}
export function stepTokens(raw: number): number {
  return (STEP_TOKENS as readonly number[]).includes(raw) ? raw : 4096;
}

/** The serving model the traffic line describes (a Mixtral-8x7B-like shape, bf16). */
export const SERVED = { dModel: 4096, topK: 2, layers: 32, bytesPerValue: 2 } as const;

/**
 * The router whose step the traffic section counts: like the histogram's layer (E experts, the
 * same skew toward expert 1) but top-k as served, with no capacity, on random 8-value inputs. Only
 * its topk_ids matter: the engine counts the bytes at SERVED.dModel.
 */
export const TRAFFIC_D = 8;
export function trafficSpec(p: { experts: number; skew: number; seed: number }): LayerSpec {
  const bias = new Array(p.experts).fill(0);
  bias[0] = p.skew;
  return {
    config: {
      d_model: TRAFFIC_D,
      d_ff: 8,
      num_experts: p.experts,
      top_k: SERVED.topK,
      router_kind: 'softmax_topk',
      activation: 'silu',
      expert_kind: 'mlp',
      router_bias: true,
    },
    weights: { router_bias: bias },
    seed: p.seed,
  };
}
/** Input seed of the traffic step for a batch-data seed (distinct from the histogram batches'). */
export const trafficSeed = (data: number) => data * 100_003 + 77_777;
