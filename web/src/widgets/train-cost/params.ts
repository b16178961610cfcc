// Lesson parameters of train-cost: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const trainCostParams = z
  .object({
    /** The large model of the cost sheet (a Mixtral-8x7B-sized stack by default). */
    d_model: z.number().int().min(1).max(65536).default(4096),
    d_ff: z.number().int().min(1).max(65536).default(14336),
    layers: z.number().int().min(1).max(1000).default(32),
    top_k: z.number().int().min(1).max(64).default(2),
    shared_params: z.number().min(0).default(1.605e9),
  })
  .strict();
export type TrainCostParams = z.infer<typeof trainCostParams>;
