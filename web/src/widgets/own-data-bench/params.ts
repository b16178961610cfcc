// Lesson parameters of own-data-bench: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { BENCH_MAX_CHARS } from './spec';

export const ownDataParams = z
  .object({
    sample: z.string().trim().min(1).max(BENCH_MAX_CHARS),
    seed: z.number().int().min(0).default(7),
    experts: z.number().int().min(2).max(16).default(8),
  })
  .strict();
export type OwnDataParams = z.infer<typeof ownDataParams>;
