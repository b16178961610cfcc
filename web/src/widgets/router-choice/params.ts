// Lesson parameters of router-choice: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
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
  .superRefine((p, ctx) => {
    if (p.router.length !== p.experts.length) {
      ctx.addIssue({ code: 'custom', path: ['router'], message: `needs one row per expert (${p.experts.length}), found ${p.router.length}` });
    }
    if (p.top_k > p.experts.length) {
      ctx.addIssue({ code: 'custom', path: ['top_k'], message: `must be at most the number of experts (${p.experts.length})` });
    }
  });
export type RouterChoiceParams = z.infer<typeof routerChoiceParams>;
