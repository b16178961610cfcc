// Lesson parameters of router-choice: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { checkRouterRows } from '../common/router-rows';
import { FEATURES } from '../token-walk/spec';

export const routerChoiceParams = z
  .object({
    sentence: z.string().trim().min(1).max(200),
    experts: z.array(z.string().trim().min(1)).min(2).max(8),
    /** Router weights W_g, one row per expert over the engine's 8 token features: [num_experts][8]. */
    router: z.array(z.array(z.number()).length(FEATURES, `each router row needs ${FEATURES} numbers`)),
    /** k of the token-choice router. */
    top_k: z.number().int().min(1).default(2),
    d_ff: z.number().int().min(1).max(256).default(16),
    /** Seeds the experts' FFN weights; the router rows above override the router. */
    seed: z.number().int().min(0).default(7),
  })
  .strict()
  .superRefine(checkRouterRows);
export type RouterChoiceParams = z.infer<typeof routerChoiceParams>;
