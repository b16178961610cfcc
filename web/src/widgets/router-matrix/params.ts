// Lesson parameters of router-matrix: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { checkRouterRows } from '../common/router-rows';
import { FEATURES, WEIGHT_LIMIT } from './spec';

export const routerMatrixParams = z
  .object({
    experts: z.array(z.string().trim().min(1)).min(2).max(8),
    /** The starting W_g, one row per expert, one weight per embedding feature. */
    router: z.array(z.array(z.number().min(-WEIGHT_LIMIT).max(WEIGHT_LIMIT)).length(FEATURES)),
    words: z.array(z.string().trim().min(1)).min(1).max(12),
    top_k: z.number().int().min(1).default(2),
    seed: z.number().int().min(0).default(1),
  })
  .strict()
  .superRefine(checkRouterRows);
export type RouterMatrixParams = z.infer<typeof routerMatrixParams>;
