// Lesson parameters of topk-cut: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { FEATURES } from '../token-walk/spec';

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
