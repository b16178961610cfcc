// Lesson parameters of param-budget: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { budgetParts } from './spec';

export const paramBudgetParams = z
  .object({
    /** Which panel this placement shows. */
    part: z.enum(budgetParts),
    /** Shapes of the timed layers (kept small enough to measure in about a second). */
    timing_d_model: z.number().int().min(8).max(1024).default(256),
    timing_d_ff: z.number().int().min(8).max(4096).default(512),
    timing_tokens: z.number().int().min(1).max(512).default(64),
    timing_max_experts: z.number().int().min(2).max(32).default(16),
  })
  .strict();
export type ParamBudgetParams = z.infer<typeof paramBudgetParams>;
