// Lesson parameters of near-tie-flips: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const nearTieParams = z
  .object({
    /** Tokens in the batch: seeded random vectors standing in for a layer's hidden states. */
    tokens: z.number().int().min(8).max(4096).default(1024),
    /** Seed of the token vectors. */
    data_seed: z.number().int().min(0).default(77),
    /** Seed of the layer's weights (router and experts). */
    seed: z.number().int().min(0).default(3),
    experts: z.number().int().min(3).max(16).default(8),
    top_k: z.number().int().min(1).max(4).default(2),
    /** Jittered repeats of the whole set at each ε (each with its own noise seed). */
    draws: z.number().int().min(1).max(16).default(8),
  })
  .strict()
  .refine((p) => p.top_k < p.experts, { message: 'top_k must be below experts (the margin needs a (k+1)-th expert)', path: ['top_k'] });
export type NearTieParams = z.infer<typeof nearTieParams>;
