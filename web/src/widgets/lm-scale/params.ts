// Lesson parameters of lm-scale (checked at build time by widgets/catalog.ts).
import * as z from 'zod';

export const lmScaleParams = z
  .object({
    /** The model folder, e.g. "models/moe-lm/". */
    model: z.string().trim().min(1).max(200),
  })
  .strict();
export type LmScaleParams = z.infer<typeof lmScaleParams>;
