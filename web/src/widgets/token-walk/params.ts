// Lesson parameters of token-walk: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { checkRouterRows } from '../common/router-rows';
import { FEATURES, stages } from './spec';

export const tokenWalkParams = z
  .object({
    stage: z.enum(stages),
    sentence: z.string().trim().min(1),
    experts: z.array(z.string().trim().min(1)).min(2).max(8),
    /** Router weights W_g, one row per expert: [num_experts][FEATURES]. */
    router: z.array(z.array(z.number()).length(FEATURES, `each router row needs ${FEATURES} numbers`)),
    top_k: z.number().int().min(1).default(2),
    d_ff: z.number().int().min(1).max(256).default(16),
    activation: z.enum(['relu', 'gelu', 'silu']).default('silu'),
    /** Seeds the experts' FFN weights; the router rows above override the router. */
    seed: z.number().int().min(0).default(1),
    /** The lesson whose `pick` step chooses the token, when this lesson has none (a phase of several lessons). */
    pick_lesson: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      .optional(),
  })
  .strict()
  .superRefine(checkRouterRows);
export type TokenWalkParams = z.infer<typeof tokenWalkParams>;
