// URL state of router-choice: one batch of tokens (a sentence) routed three ways by the engine,
// token-choice top-k, expert choice and soft MoE, with the same router rows. The helpers only
// build the three layer specs and rearrange each trace into one table shape for display: every
// weight, load and dropped flag is the engine's.
import { int, text } from '../../player/url-state';
import type { LayerSpec, RouterKind, Trace } from '../../engine/types';
import { CAPACITY_FACTORS } from '../serving-common/serving';

/** The three routers, in the order the widget shows them. */
export const ROUTERS = [
  { kind: 'softmax_topk_renorm', name: 'Token choice' },
  { kind: 'expert_choice', name: 'Expert choice' },
  { kind: 'soft_moe', name: 'Soft MoE' },
] as const satisfies readonly { kind: RouterKind; name: string }[];
export type ComparedKind = (typeof ROUTERS)[number]['kind'];

export const MAX_SLOTS_PER_EXPERT = 4;

export const routerChoiceState = {
  rc_text: text('', 200),
  /** Expert choice's capacity factor, as an index into CAPACITY_FACTORS (default 2). */
  rc_cf: int(5, 0, CAPACITY_FACTORS.length - 1),
  /** Soft MoE's slots per expert p. */
  rc_p: int(1, 1, MAX_SLOTS_PER_EXPERT),
  /** Which router's per-token table is open: an index into ROUTERS. */
  rc_show: int(0, 0, ROUTERS.length - 1),
};

export interface ComparedLayer {
  router: number[][]; // [E][8]  W_g rows
  topK: number;
  dFf: number;
  seed: number;
  capacityFactor: number;
  slotsPerExpert: number;
}

/**
 * The layer spec of one router kind. All three read the same rows W_g: soft MoE needs one row per
 * slot ([E·p][8], slot s belongs to expert ⌊s/p⌋ as in the engine), so each expert's row is
 * repeated for its p slots.
 */
export function comparedSpec(kind: ComparedKind, l: ComparedLayer): LayerSpec {
  const E = l.router.length;
  const base = { d_model: l.router[0]?.length ?? 0, d_ff: l.dFf, num_experts: E, activation: 'silu' as const, expert_kind: 'mlp' as const };
  if (kind === 'softmax_topk_renorm') {
    return { config: { ...base, top_k: l.topK, router_kind: kind }, weights: { router: l.router }, seed: l.seed };
  }
  if (kind === 'expert_choice') {
    return { config: { ...base, top_k: 1, router_kind: kind, capacity_factor: l.capacityFactor }, weights: { router: l.router }, seed: l.seed };
  }
  const slotRows = l.router.flatMap((row) => Array.from({ length: l.slotsPerExpert }, () => row)); // [E·p][8]
  return {
    config: { ...base, top_k: 1, router_kind: kind, slots_per_expert: l.slotsPerExpert },
    weights: { router: slotRows },
    seed: l.seed,
  };
}

/**
 * Each token's weight on each expert as the engine applied it, [T][E], null where the expert did
 * not run on the token. Token choice and expert choice: the trace's combine_weights where `kept`
 * (slot j names its expert in topk_ids). Soft MoE: every expert runs on every token through its
 * slots, and router_probs[t][e] is the engine's combine weight summed over e's slots.
 */
export function weightsByExpert(kind: ComparedKind, tr: Trace): (number | null)[][] {
  const T = tr.tokens;
  const E = tr.num_experts;
  const s = tr.slots;
  const out: (number | null)[][] = Array.from({ length: T }, () => Array<number | null>(E).fill(null));
  for (let t = 0; t < T; t++) {
    if (kind === 'soft_moe') {
      for (let e = 0; e < E; e++) out[t][e] = tr.router_probs[t * E + e];
      continue;
    }
    for (let j = 0; j < s; j++) {
      if (!tr.kept[t * s + j]) continue;
      out[t][tr.topk_ids[t * s + j]] = tr.combine_weights[t * s + j];
    }
  }
  return out;
}

/** How many experts ran on each token: the non-null cells of each row. */
export function expertsPerToken(weights: (number | null)[][]): number[] {
  return weights.map((row) => row.filter((w) => w !== null).length);
}

/** A list of counts as a range for a table cell: "2" when all are 2, else "1 to 4". */
export function countRange(counts: number[]): string {
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  return lo === hi ? String(lo) : `${lo} to ${hi}`;
}

/** How many experts ran on a token, in words for its table row: "no expert", "1 expert", "3 experts". */
export function expertCountText(n: number): string {
  return n === 0 ? 'no expert' : n === 1 ? '1 expert' : `${n} experts`;
}

/**
 * Expert FFN evaluations the layer paid for this batch. Routed kinds: one per kept (token,
 * expert) pair, the sum of the engine's expert_load. Soft MoE: one per slot, whatever the
 * number of tokens (the rows of the engine's slot_inputs [E·p, d]).
 */
export function expertRuns(kind: ComparedKind, tr: Trace): number {
  if (kind === 'soft_moe') return tr.slot_inputs.length / tr.d_model;
  return tr.expert_load.reduce((a, b) => a + b, 0);
}

/** Tokens of slot `slot` by its dispatch weight (the engine's D [T, E·p]), largest first: [token, weight]. */
export function slotReads(tr: Trace, slot: number, n: number): [number, number][] {
  const S = tr.slots;
  const col = Array.from({ length: tr.tokens }, (_, t) => [t, tr.dispatch_weights[t * S + slot]] as [number, number]);
  return col.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, n);
}
