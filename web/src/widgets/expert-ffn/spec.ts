// Parameters and URL state of the expert-ffn widget: one expert of a seeded layer, opened up for
// one token (engine `expert_probe`): input, pre-activation, activated hidden units, output.
import * as z from 'zod';
import { text } from '../../player/url-state';

export const expertActivations = ['relu', 'gelu', 'silu', 'swiglu'] as const;
export type ExpertActivation = (typeof expertActivations)[number];

export const expertFfnParams = z
  .object({
    /** Words offered as buttons; the learner may also type one. */
    words: z.array(z.string().trim().min(1)).min(1).max(12),
    d_ff: z.number().int().min(2).max(32).default(12),
    /** Experts in the layer the probed expert belongs to, and which one is probed. */
    num_experts: z.number().int().min(1).max(8).default(4),
    expert: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).default(5),
  })
  .strict()
  .refine((p) => p.expert < p.num_experts, { path: ['expert'], message: 'must be below num_experts' });
export type ExpertFfnParams = z.infer<typeof expertFfnParams>;

export const expertFfnState = {
  /** The token to run through the expert; empty means the first suggestion. */
  ef_word: text('', 40),
  /** relu, gelu, silu, or swiglu. */
  ef_act: text('relu', 8),
};

export function activationOf(raw: string): ExpertActivation {
  return (expertActivations as readonly string[]).includes(raw) ? (raw as ExpertActivation) : 'relu';
}
