// Parameters and URL state of mod-capacity: a Mixture-of-Depths router (engine mod_route) picks
// which tokens of a sentence run a block at a capacity the learner sets; the rest skip it.
import * as z from 'zod';
import { flag, int, text } from '../../player/url-state';

export const modCapacityParams = z
  .object({
    sentence: z.string().trim().min(1).max(200),
    /** w_r over the engine's 8 features (digit, punct, capital, length, vowels, position, function_word, bias). */
    router: z.array(z.number()).length(8).default([0.6, -1.2, 0.8, 1.0, 0.3, -0.2, -1.0, 0]),
  })
  .strict();
export type ModCapacityParams = z.infer<typeof modCapacityParams>;

export const modCapacityState = {
  mc_text: text('', 200),
  /** Capacity as a percentage of the sentence's tokens. */
  mc_cap: int(50, 10, 100),
  mc_table: flag(false),
};
