// Lesson parameters of lm-train: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const lmTrainParams = z
  .object({
    /** The model folder whose tokenizer.json the runs use, e.g. "models/moe-lm/". */
    model: z.string().trim().min(1).max(200).default('models/moe-lm/'),
    /** The corpus folder the build writes (index.json, <domain>/train.txt, <domain>/heldout.txt). */
    corpus: z.string().trim().min(1).max(200).default('models/corpus/'),
    steps: z.number().int().min(4).max(2000).default(300),
    seed: z.number().int().min(0).max(1_000_000).default(1),
    /** Steps per engine call: the page redraws (and can cancel) between calls. */
    chunk: z.number().int().min(1).max(50).default(5),
    /** The routing of the evaluation text is kept every this many steps (router saturation). */
    record_every: z.number().int().min(1).max(2000).default(25),
    prompt: z.string().min(1).max(120).default('And the'),
    sample_tokens: z.number().int().min(1).max(48).default(24),
    /** The table's load columns are means over this many last steps. */
    tail: z.number().int().min(1).max(200).default(20),
    pause_ms: z.number().int().min(0).max(1000).default(16),
  })
  .strict();
export type LmTrainParams = z.infer<typeof lmTrainParams>;
