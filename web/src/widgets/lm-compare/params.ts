// Lesson parameters of lm-compare: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const lmCompareParams = z
  .object({
    /**
     * What this placement shows: `curves` the held-out loss logged while each model trained (no
     * model load), `heldout` the loss per domain now, `text` the loss on the learner's text,
     * `params` total against active parameters.
     */
    show: z.enum(['curves', 'heldout', 'text', 'params']),
    /** The MoE model folder and the dense one (config.json, model.safetensors, tokenizer.json, training_log.json). */
    moe: z.string().trim().min(1).max(200).default('models/moe-lm/'),
    dense: z.string().trim().min(1).max(200).default('models/dense-lm/'),
    /** Predicted tokens per held-out domain for `heldout` (each model reads the same tokens). */
    max_tokens: z.number().int().min(64).max(65536).default(2048),
    /** The text the `text` box starts with. */
    text: z.string().min(1).max(2000).default('The moon rose over the quiet harbour, and the fishermen pulled their boats onto the sand.'),
  })
  .strict();
export type LmCompareParams = z.infer<typeof lmCompareParams>;
