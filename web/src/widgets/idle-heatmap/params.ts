// Lesson parameters of idle-heatmap: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const idleHeatmapParams = z
  .object({
    sentence: z.string().trim().min(1).max(200),
    seed: z.number().int().min(0).default(221),
    d_ff: z.number().int().min(1).max(64).default(8),
  })
  .strict();
export type IdleHeatmapParams = z.infer<typeof idleHeatmapParams>;
