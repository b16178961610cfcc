// Lesson parameters of shared-experts: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { MAX_SPLIT } from './spec';

export const sharedExpertsParams = z
  .object({
    sentence: z.string().trim().min(1).max(200),
    /** The coarse layer before any split: E experts of width d_ff, k per token. */
    experts: z.number().int().min(2).max(64).default(16),
    top_k: z.number().int().min(1).max(8).default(2),
    /** Must split evenly into MAX_SPLIT narrower experts. */
    d_ff: z
      .number()
      .int()
      .min(MAX_SPLIT)
      .max(1024)
      .refine((f) => f % MAX_SPLIT === 0, `must be a multiple of ${MAX_SPLIT}`)
      .default(64),
    /** Seeds every weight of the live layer (router, routed and shared experts, the gate). */
    seed: z.number().int().min(0).default(3),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.top_k >= p.experts) ctx.addIssue({ code: 'custom', path: ['top_k'], message: `must be below the number of experts (${p.experts})` });
  });
export type SharedExpertsParams = z.infer<typeof sharedExpertsParams>;
