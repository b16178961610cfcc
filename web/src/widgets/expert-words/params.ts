// Lesson parameters of expert-words: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const expertWordsParams = z
  .object({
    sentence: z.string().trim().min(1).max(200),
    pause_ms: z.number().int().min(0).max(500).default(20),
    chunk: z.number().int().min(1).max(200).default(25),
  })
  .strict();
export type ExpertWordsParams = z.infer<typeof expertWordsParams>;
