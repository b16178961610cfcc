// Lesson parameters of lm-knockout: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const lmKnockoutParams = z
  .object({
    /** `loss`: held-out loss per domain with and without the knock-out (and every expert in turn); `generate`: greedy text with and without. */
    show: z.enum(['loss', 'generate']),
    /** The MoE model folder (config.json, model.safetensors, tokenizer.json). */
    model: z.string().trim().min(1).max(200).default('models/moe-lm/'),
    /** Predicted tokens per held-out domain in each evaluation. */
    max_tokens: z.number().int().min(64).max(65536).default(1024),
    prompt: z.string().min(1).max(400).default('def total(items):\n    '),
    max_new_tokens: z.number().int().min(1).max(100).default(40),
  })
  .strict();
export type LmKnockoutParams = z.infer<typeof lmKnockoutParams>;
