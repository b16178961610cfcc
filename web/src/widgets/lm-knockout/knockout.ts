// What the lm-knockout widget asks lmEval / lmGenerateMasked to switch off, and how it names it.
// Building options and labels only: the losses and the tokens are the engine's.
import type { LmEvalOptions } from '../../engine';

export interface Knockout {
  mode: 'expert' | 'top1'; // one expert switched off, or each token's first choice masked
  layer: number | null; // null: every layer; else 0-based
  expert: number;
}

/** lmEval's mask options for a knock-out. */
export function knockoutOptions(k: Knockout): Pick<LmEvalOptions, 'experts_off' | 'mask_top_ranks'> {
  if (k.mode === 'top1') {
    // The engine masks top ranks in every layer; a single layer is not offered for this mode.
    return { mask_top_ranks: 1 };
  }
  return k.layer === null ? { experts_off: [k.expert] } : { experts_off: [[k.layer, k.expert]] };
}

/** "expert 3 switched off in layer 2" / "… in every layer" / "each token's first choice masked in every layer". */
export function describeKnockout(k: Knockout): string {
  if (k.mode === 'top1') return "each token's first choice masked in every layer";
  return `expert ${k.expert} switched off in ${k.layer === null ? 'every layer' : `layer ${k.layer + 1}`}`;
}

/** Index of the first position where two token sequences differ (their common length when one is a prefix of the other). */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
