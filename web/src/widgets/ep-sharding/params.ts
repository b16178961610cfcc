// Lesson parameters of ep-sharding: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const epShardingParams = z
  .object({
    seed: z.number().int().min(0).default(11),
    experts: z.number().int().min(2).max(64).default(8),
    batches: z.number().int().min(4).max(200).default(48),
    tokens: z.number().int().min(8).max(1024).default(64),
  })
  .strict();
export type EpShardingParams = z.infer<typeof epShardingParams>;
