// Lesson parameters of mod-capacity: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const modCapacityParams = z
  .object({
    sentence: z.string().trim().min(1).max(200),
    /** w_r over the engine's 8 features (digit, punct, capital, length, vowels, position, function_word, bias). */
    router: z.array(z.number()).length(8).default([0.6, -1.2, 0.8, 1.0, 0.3, -0.2, -1.0, 0]),
  })
  .strict();
export type ModCapacityParams = z.infer<typeof modCapacityParams>;
