// URL state of the lm-knockout widget: what is knocked out (mode 0: one expert switched off,
// 1: each token's first choice masked), where (layer 0 = every layer, else layer number from 1),
// which expert, and the prompt.
import { int, text } from '../../player/url-state';

export const lmKnockoutState = {
  lk_mode: int(0, 0, 1),
  lk_layer: int(0, 0, 64),
  lk_expert: int(0, 0, 63),
  lk_prompt: text('', 400),
};
