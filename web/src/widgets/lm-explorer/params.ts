// Lesson parameters of lm-explorer: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const lmExplorerParams = z
  .object({
    /** The model folder (config.json, model.safetensors, tokenizer.json), e.g. "models/moe/". */
    model: z.string().trim().min(1).max(200),
    prompt: z.string().min(1).max(400).default('In the beginning'),
    max_new_tokens: z.number().int().min(1).max(256).default(40),
    /** Tokens per engine call while streaming: the page redraws (and can cancel) between calls. */
    chunk: z.number().int().min(1).max(32).default(2),
  })
  .strict();
export type LmExplorerParams = z.infer<typeof lmExplorerParams>;
