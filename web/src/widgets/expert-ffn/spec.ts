// URL state of the expert-ffn widget: one expert of a seeded layer, opened up for
// one token (engine `expert_probe`): input, pre-activation, activated hidden units, output.
import { text } from '../../player/url-state';

export const expertActivations = ['relu', 'gelu', 'silu', 'swiglu'] as const;
export type ExpertActivation = (typeof expertActivations)[number];

export const expertFfnState = {
  /** The token to run through the expert; empty means the first suggestion. */
  ef_word: text('', 40),
  /** relu, gelu, silu, or swiglu. */
  ef_act: text('relu', 8),
};

export function activationOf(raw: string): ExpertActivation {
  return (expertActivations as readonly string[]).includes(raw) ? (raw as ExpertActivation) : 'relu';
}
