// URL state of the lm-explorer widget: the prompt, how tokens are picked, and the layer whose
// expert marks each token. Temperature and top-p are kept as whole hundredths (the URL table
// holds integers).
import { flag, int, text } from '../../player/url-state';

/** Longest prompt kept in the URL; longer ones still run, they are just not shared by link. */
export const PROMPT_IN_URL = 400;

export const lmExplorerState = {
  lx_prompt: text('', PROMPT_IN_URL),
  lx_greedy: flag(true),
  lx_seed: int(1, 0, 1_000_000),
  lx_temp100: int(80, 5, 200),
  lx_topp100: int(90, 1, 100),
  lx_layer: int(0, 0, 255),
};
