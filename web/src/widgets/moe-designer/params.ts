// Lesson parameters of moe-designer: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { FEATURES, MAX_EXPERTS, MAX_PROBES, MIN_EXPERTS, NAME_MAX, WEIGHT_LIMIT, presetNames, type PresetName } from './spec';

const row = z.array(z.number().min(-WEIGHT_LIMIT).max(WEIGHT_LIMIT)).length(FEATURES, `each router row needs ${FEATURES} numbers`);

export const moeDesignerParams = z
  .object({
    tasks: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
            label: z.string().trim().min(1),
            text: z.string().trim().min(1).max(160),
            /** Tokens of `text` whose routing the learner predicts (at most 6). */
            probes: z.array(z.string().trim().min(1)).min(1).max(MAX_PROBES),
          })
          .strict(),
      )
      .min(1)
      .max(6),
    /** The starting design: expert names and one preset per expert. */
    experts: z.array(z.string().trim().min(1).max(NAME_MAX)).min(MIN_EXPERTS).max(MAX_EXPERTS),
    start: z.array(z.enum(presetNames as [PresetName, ...PresetName[]])).min(MIN_EXPERTS).max(MAX_EXPERTS),
    top_k: z.number().int().min(1).default(2),
    /** Seeds the experts' FFN weights (the learner's rows override the router) and the trainer. */
    seed: z.number().int().min(0).default(7),
    train_steps: z.number().int().min(10).max(2000).default(300),
    /** `design`: task, layer, predictions and the engine's verdicts; `learn`: the trained-router comparison. */
    part: z.enum(['design', 'learn']).default('design'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.start.length !== p.experts.length) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: `needs one preset per expert (${p.experts.length}), found ${p.start.length}` });
    }
    if (p.top_k >= p.experts.length) {
      ctx.addIssue({ code: 'custom', path: ['top_k'], message: `must be below the number of experts (${p.experts.length})` });
    }
  });
export type MoeDesignerParams = z.infer<typeof moeDesignerParams>;
