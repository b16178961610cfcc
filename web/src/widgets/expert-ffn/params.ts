// Lesson parameters of expert-ffn: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const expertFfnParams = z
  .object({
    /** Words offered as buttons; the learner may also type one. */
    words: z.array(z.string().trim().min(1)).min(1).max(12),
    d_ff: z.number().int().min(2).max(32).default(12),
    /** Experts in the layer the probed expert belongs to, and which one is probed. */
    num_experts: z.number().int().min(1).max(8).default(4),
    expert: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).default(5),
  })
  .strict()
  .refine((p) => p.expert < p.num_experts, { path: ['expert'], message: 'must be below num_experts' });
export type ExpertFfnParams = z.infer<typeof expertFfnParams>;
