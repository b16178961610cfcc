// Parameters and URL state of the topk-cut widget: how much router probability
// a top-k cut throws away, and renormalised versus raw gates, for the token the
// learner follows in this phase (token-walk's `token` / `word` state).
import * as z from 'zod';
import { int } from '../../player/url-state';
import { FEATURES } from '../token-walk/spec';

/** The layer sizes the learner can switch between. */
export const EXPERT_COUNTS = [4, 8] as const;

export const topkCutParams = z
  .object({
    sentence: z.string().trim().min(1),
    /** Names of the four hand-designed experts (the 8-expert layer numbers its experts). */
    experts: z.array(z.string().trim().min(1)).length(4, 'needs the names of the 4 designed experts'),
    /** Router rows W_g of the 4-expert layer: [4][FEATURES]. The 8-expert router comes from `seed`. */
    router: z.array(z.array(z.number()).length(FEATURES, `each router row needs ${FEATURES} numbers`)).length(4),
    /** Seeds every weight the params do not give: the experts, and the whole 8-expert router. */
    seed: z.number().int().min(0).default(7),
    d_ff: z.number().int().min(1).max(256).default(16),
    activation: z.enum(['relu', 'gelu', 'silu']).default('silu'),
  })
  .strict();
export type TopkCutParams = z.infer<typeof topkCutParams>;

export const topkCutState = {
  /** k of the top-k cut; clamped to the layer's expert count. */
  cut_k: int(2, 1, 8),
  /** Experts in the layer: 4 (designed router) or 8 (seeded router). */
  cut_e: int(4, 4, 8),
};
