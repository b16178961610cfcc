// URL state of shared-experts: DeepSeekMoE's two changes to a coarse MoE layer, applied by the
// learner. Fine-grained split: every expert becomes m experts of width d_ff/m and each token
// picks m·k of them. Shared experts: s of those fine experts stop being routed and run on every
// token (DeepSeekMoE's construction, so total and active expert parameters stay put). The live
// layer runs in the engine; the helpers here only build specs, count combinations (formatting a
// binomial coefficient) and measure the two parts of each token's output the trace returns.
import { flag, int, text } from '../../player/url-state';
import type { LayerSpec, Trace } from '../../engine/types';
import { rowNorm } from '../serving-common/serving';

/** Split factors m the widget offers (the URL keeps the index). */
export const SPLITS = [1, 2, 4, 8] as const;
export const MAX_SPLIT = SPLITS[SPLITS.length - 1];
export const MAX_SHARED = 2;
/** The live layer reads the engine's 8 token features. */
export const LIVE_D_MODEL = 8;

export const sharedExpertsState = {
  se_text: text('', 200),
  /** Index into SPLITS. */
  se_m: int(0, 0, SPLITS.length - 1),
  /** Fine experts taken out of routing and run on every token. */
  se_shared: int(0, 0, MAX_SHARED),
  /** Qwen2-MoE's sigmoid gate on the shared expert. */
  se_gate: flag(false),
};

export interface CoarseLayer {
  experts: number; // E
  topK: number; // k
  dFf: number; // d_ff of one coarse expert
}

/** One arrangement of the same expert parameters. */
export interface FineShape {
  split: number; // m
  routed: number; // m·E − s
  topK: number; // m·k − s
  dFf: number; // d_ff / m
  shared: number; // s
  sharedDff: number; // s · d_ff / m (0 without shared experts)
}

/**
 * The coarse layer split m ways with s shared experts. s is clamped so at least one routed expert
 * is still chosen per token (s ≤ m·k − 1): a layer of only shared experts is a dense FFN.
 */
export function fineShape(c: CoarseLayer, split: number, shared: number): FineShape {
  const s = Math.max(0, Math.min(shared, split * c.topK - 1));
  const dFf = c.dFf / split;
  return { split, routed: split * c.experts - s, topK: split * c.topK - s, dFf, shared: s, sharedDff: s * dFf };
}

/** The largest number of shared experts the split leaves room for. */
export function maxShared(c: CoarseLayer, split: number): number {
  return Math.min(MAX_SHARED, split * c.topK - 1);
}

/** The live layer of a shape: softmax top-k over the routed experts plus the shared MLP. */
export function fineSpec(shape: FineShape, gated: boolean, seed: number): LayerSpec {
  return {
    config: {
      d_model: LIVE_D_MODEL,
      d_ff: shape.dFf,
      num_experts: shape.routed,
      top_k: shape.topK,
      router_kind: 'softmax_topk_renorm',
      activation: 'silu',
      expert_kind: 'mlp',
      ...(shape.shared > 0 ? { num_shared_experts: shape.shared, shared_expert_d_ff: shape.sharedDff, shared_expert_gate: gated } : {}),
    },
    seed,
  };
}

/** C(n, k): how many different sets of k experts a router can pick from n. Exact, as a BigInt. */
export function combinations(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  const kk = BigInt(Math.min(k, n - k));
  let out = 1n;
  for (let i = 1n; i <= kk; i++) out = (out * (BigInt(n) - kk + i)) / i; // stays whole at every step
  return out;
}

/** A big count as text: digits in groups of three up to 10^15, then "1.39 × 10^19". */
export function countText(n: bigint): string {
  const digits = n.toString();
  if (digits.length <= 15) return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const mantissa = `${digits[0]}.${digits.slice(1, 3)}`;
  return `${mantissa} × 10^${digits.length - 1}`;
}

/** σ(x), to show the Qwen2-MoE gate the engine applied from its logit. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * The two parts of token t's output, as lengths: the routed part Σ_j combine_weights[t,j] ·
 * expert_outputs[t,j,:] (the engine's own intermediates), and the shared part, which is what the
 * engine added on top: output[t] − routed. `share` is shared ÷ (shared + routed).
 */
export function outputParts(tr: Trace, t: number): { routed: number; shared: number; share: number } {
  const d = tr.d_model;
  const s = tr.slots;
  const routed = new Float32Array(d); // [d]
  for (let j = 0; j < s; j++) {
    const w = tr.combine_weights[t * s + j];
    for (let i = 0; i < d; i++) routed[i] += w * tr.expert_outputs[(t * s + j) * d + i];
  }
  const shared = new Float32Array(d); // [d]
  for (let i = 0; i < d; i++) shared[i] = tr.output[t * d + i] - routed[i];
  const r = rowNorm(routed, d, 0);
  const sh = rowNorm(shared, d, 0);
  return { routed: r, shared: sh, share: r + sh > 0 ? sh / (r + sh) : 0 };
}
