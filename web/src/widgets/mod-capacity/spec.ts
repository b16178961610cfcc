// URL state of mod-capacity: a Mixture-of-Depths router (engine mod_route) picks
// which tokens of a sentence run a block at a capacity the learner sets; the rest skip it.
import { flag, int, text } from '../../player/url-state';

export const modCapacityState = {
  mc_text: text('', 200),
  /** Capacity as a percentage of the sentence's tokens. */
  mc_cap: int(50, 10, 100),
  mc_table: flag(false),
};
