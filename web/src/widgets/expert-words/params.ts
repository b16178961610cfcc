// Lesson parameters of expert-words: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { runPacingParams } from '../train-common/params';

export const expertWordsParams = z
  .object({
    sentence: z.string().trim().min(1).max(200),
    ...runPacingParams(20),
  })
  .strict();
export type ExpertWordsParams = z.infer<typeof expertWordsParams>;
