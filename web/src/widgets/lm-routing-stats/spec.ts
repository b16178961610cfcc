// URL state of lm-routing-stats: the layer shown, the learner's own text (while it fits the URL),
// and which text the tables describe.
import { int, text } from '../../player/url-state';

export const OWN_TEXT_IN_URL = 400;

export const lmRoutingStatsState = {
  rs_layer: int(0, 0, 255),
  rs_text: text('', OWN_TEXT_IN_URL),
  rs_own: int(0, 0, 1), // 1: the tables show the learner's text, 0: the held-out corpus
};
