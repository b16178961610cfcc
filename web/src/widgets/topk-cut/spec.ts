// URL state of the topk-cut widget: how much router probability
// a top-k cut throws away, and renormalised versus raw gates, for the token the
// learner follows in this phase (token-walk's `token` / `word` state).
import { int } from '../../player/url-state';

/** The layer sizes the learner can switch between. */
export const EXPERT_COUNTS = [4, 8] as const;

export const topkCutState = {
  /** k of the top-k cut; clamped to the layer's expert count. */
  cut_k: int(2, 1, 8),
  /** Experts in the layer: 4 (designed router) or 8 (seeded router). */
  cut_e: int(4, 4, 8),
};
