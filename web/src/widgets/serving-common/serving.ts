// Pure helpers for the eval-and-serving widgets (rebatch-flakiness, ep-sharding, own-data-bench)
// and mod-capacity: seeded shuffles and batches, the layer specs they send to the engine, and the
// bookkeeping of devices and histograms. No MoE math lives here: routing, capacity, dropped
// tokens, loads and statistics all come from the engine's trace; these only arrange inputs and
// add up what the engine returned (a device's load is the sum of its experts' expert_load).
import type { LayerSpec } from '../../engine/types';
import { seededRandom, shuffledOrder } from '../common/seeded-random';

/**
 * The order a batch is taken in: seed 0 keeps the natural order (the "as written" batching), any
 * other seed gives a seeded shuffle of 0..n-1.
 */
export function batchOrder(n: number, seed: number): number[] {
  return seed === 0 ? Array.from({ length: n }, (_, i) => i) : shuffledOrder(n, seededRandom(seed));
}

/** Rows of `features` [n, d] taken in `order`: the batch the engine sees. */
export function gatherRows(features: Float32Array, d: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * d);
  order.forEach((src, i) => out.set(features.subarray(src * d, src * d + d), i * d));
  return out;
}

/** `tokens` rows of d standard-normal numbers (Box–Muller), seeded: one batch of random inputs. */
export function randomBatch(tokens: number, d: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(tokens * d);
  for (let i = 0; i < out.length; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/** Euclidean length of row t of `rows` [T, d] (a per-example "score" to compare between runs). */
export function rowNorm(rows: Float32Array, d: number, t: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += rows[t * d + j] ** 2;
  return Math.sqrt(s);
}

/** The entry of `list` at `index`, rounded and clamped to the list (the URL keeps the index). */
function choiceAt<T>(list: readonly T[], index: number): T {
  return list[Math.min(Math.max(Math.round(index), 0), list.length - 1)];
}

/** Capacity factors the rebatch and benchmark widgets offer (URL keeps the index). */
export const CAPACITY_FACTORS = [0.5, 0.75, 1, 1.25, 1.5, 2, 4] as const;
export function capacityFactor(index: number): number {
  return choiceAt(CAPACITY_FACTORS, index);
}

/** A Switch layer (top-1 with capacity) over the engine's 8 token features, E MLP experts. */
function switchTop1Config(experts: number) {
  return {
    d_model: 8,
    d_ff: 8,
    num_experts: experts,
    top_k: 1,
    router_kind: 'softmax_top1_capacity',
    activation: 'silu',
    expert_kind: 'mlp',
  } as const;
}

/**
 * Switch-style layer over the engine's 8 token features: top-1, capacity per group of
 * `groupSize` tokens (C = floor(cf · groupSize / E), first come first served in batch order).
 */
export function capacitySpec(p: { experts: number; capacityFactor: number; groups: number; groupSize: number; seed: number }): LayerSpec {
  return {
    config: { ...switchTop1Config(p.experts), capacity_factor: p.capacityFactor, num_groups: p.groups, tokens_per_group: p.groupSize },
    seed: p.seed,
  };
}

/** Router skews (extra logit on expert 1) the sharding widget offers. */
export const SKEWS = [0, 0.25, 0.5, 1, 2] as const;
export function skewAt(index: number): number {
  return choiceAt(SKEWS, index);
}

/**
 * The sharding widget's layer: E experts, top-1, a router bias that favours expert 1 by `skew`,
 * and a capacity of every token (nothing is dropped, so load shows up as latency, not as loss).
 */
export function shardingSpec(p: { experts: number; tokens: number; skew: number; seed: number }): LayerSpec {
  const bias = new Array(p.experts).fill(0);
  bias[0] = p.skew;
  return {
    config: { ...switchTop1Config(p.experts), expert_capacity: p.tokens, router_bias: true },
    weights: { router_bias: bias },
    seed: p.seed,
  };
}

/** Tokens each device must process: experts are placed in contiguous blocks of E / devices. */
export function deviceLoads(expertLoad: ArrayLike<number>, devices: number): number[] {
  const E = expertLoad.length;
  const per = Math.max(1, Math.ceil(E / devices));
  const out = new Array(devices).fill(0);
  for (let e = 0; e < E; e++) out[Math.min(Math.floor(e / per), devices - 1)] += expertLoad[e];
  return out;
}

/** A step waits for its busiest device: step time relative to a perfectly even split = max / mean. */
export function busiestOverMean(loads: number[]): number {
  const total = loads.reduce((a, b) => a + b, 0);
  if (total === 0) return 1;
  return Math.max(...loads) / (total / loads.length);
}

export interface Bin {
  from: number;
  to: number; // Infinity for the last bin
  count: number;
}

/** Counts of `values` in bins of `width` starting at `start`; the last bin takes everything ≥ its start. */
export function histogram(values: number[], start: number, width: number, bins: number): Bin[] {
  const out: Bin[] = Array.from({ length: bins }, (_, i) => ({ from: start + i * width, to: i === bins - 1 ? Infinity : start + (i + 1) * width, count: 0 }));
  for (const v of values) {
    const i = Math.min(Math.max(Math.floor((v - start) / width + 1e-9), 0), bins - 1);
    out[i].count += 1;
  }
  return out;
}

/** p-th quantile (0..1) by the nearest-rank rule. */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Mixture-of-Depths capacity in tokens from a percentage of the sequence (at least one token). */
export function modCapacity(percent: number, seqLen: number): number {
  return Math.min(seqLen, Math.max(1, Math.round((percent / 100) * seqLen)));
}
