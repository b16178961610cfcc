// URL state and input helpers of near-tie-flips: one batch of token vectors routed by a dropless
// top-k layer, then routed again with every input number nudged by a tiny relative amount ε, to show that only
// tokens whose k-th and (k+1)-th router probabilities nearly tie change experts. No MoE math lives
// here: probabilities, margins' two ends and expert choices all come from the engine's trace.
import { int } from '../../player/url-state';
import type { LayerSpec } from '../../engine/types';
import { seededRandom } from '../common/seeded-random';

/** Relative jitters the slider offers; 0 repeats the computation exactly. */
export const EPSILONS = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2] as const;
export function epsilonAt(index: number): number {
  return EPSILONS[Math.min(Math.max(Math.round(index), 0), EPSILONS.length - 1)];
}
/** "0", "1e−6" … "1e−2" for labels. */
export function epsilonLabel(eps: number): string {
  return eps === 0 ? '0' : `1e\u2212${Math.round(-Math.log10(eps))}`;
}

export const nearTieState = {
  /** Index into EPSILONS (default 1e−3). */
  nt_eps: int(4, 0, EPSILONS.length - 1),
  /** Noise seed of the first jittered draw; draw r uses nt_seed + r. */
  nt_seed: int(1, 1, 9999),
};

/**
 * x'[t, j] = x[t, j] · (1 + ε · u[t, j]), u uniform in [−1, 1) from a seeded generator: every
 * input number moved by at most a fraction ε of itself, the size of a rounding difference when
 * ε is near a number format's precision. `rows` [T, d] is not modified.
 */
export function jitterRows(rows: Float32Array, eps: number, seed: number): Float32Array {
  const out = new Float32Array(rows.length);
  const rand = seededRandom(seed);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i] * (1 + eps * (2 * rand() - 1));
  return out;
}

/** Width of the token vectors the widget routes. */
export const NEAR_TIE_D = 8;

/**
 * The dropless layer (Mixtral-style): softmax over all experts, top-k, the k gates renormalised,
 * no capacity, over token vectors of width NEAR_TIE_D. With `probe`, the same router asked for its
 * top-(k+1) without renormalising, so topk_weights holds the raw k-th and (k+1)-th probabilities.
 */
export function droplessSpec(p: { experts: number; topK: number; seed: number; probe?: boolean }): LayerSpec {
  return {
    config: {
      d_model: NEAR_TIE_D,
      d_ff: 8,
      num_experts: p.experts,
      top_k: p.probe ? p.topK + 1 : p.topK,
      router_kind: 'softmax_topk',
      norm_topk_prob: !p.probe,
      activation: 'silu',
      expert_kind: 'swiglu',
    },
    seed: p.seed,
  };
}

/** Token t's chosen experts (row t of topk_ids [T, k]), sorted, as one comparable key: "1,4". */
export function expertSetKey(topkIds: Int32Array, k: number, t: number): string {
  return Array.from(topkIds.subarray(t * k, t * k + k))
    .sort((a, b) => a - b)
    .join(',');
}

/** A margin in probability, two significant digits: "0.043" from 0.01 up, "1.6e−3", "2.2e−5" below. */
export function marginText(g: number): string {
  if (g >= 0.01) return g.toFixed(3);
  return g === 0 ? '0' : g.toExponential(1).replace('-', '\u2212');
}
