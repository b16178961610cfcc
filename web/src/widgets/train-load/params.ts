// Lesson parameters of train-load: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const trainLoadParams = z
  .object({
    /** Milliseconds the page waits between chunks, so the run can be watched. */
    pause_ms: z.number().int().min(0).max(500).default(40),
    /** Steps per trainRun call. */
    chunk: z.number().int().min(1).max(200).default(25),
  })
  .strict();
export type TrainLoadParams = z.infer<typeof trainLoadParams>;
