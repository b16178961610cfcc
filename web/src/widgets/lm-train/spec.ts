// URL state of the lm-train widget: whose charts are shown, the prompt of the samples, and
// whether the charts show as a data table.
import { flag, int, text } from '../../player/url-state';
import { MAX_PROMPT_CHARS } from './summary';

export const lmTrainState = {
  lt_show: int(0, 0, 2),
  lt_prompt: text('', MAX_PROMPT_CHARS),
  lt_table: flag(false),
};
