// Lesson parameters of rebatch-flakiness: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const rebatchParams = z
  .object({
    /** The eval set: the engine embeds it; only the first multiple of the group size is used. */
    text: z.string().trim().min(1).max(400),
    seed: z.number().int().min(0).default(5),
    experts: z.number().int().min(2).max(8).default(4),
    runs: z.number().int().min(2).max(10).default(6),
  })
  .strict();
export type RebatchParams = z.infer<typeof rebatchParams>;
