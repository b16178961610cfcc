// URL state of the lm-compare widget: the learner's own text (when short enough for a link).
import { text } from '../../player/url-state';

export const lmCompareState = {
  lc_text: text('', 400),
};
