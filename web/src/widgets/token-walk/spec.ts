// URL state of the token-walk widget: one token routed through
// a small MoE layer, shown one stage at a time.
import { flag, int, ints, text } from '../../player/url-state';

export const stages = ['pick', 'embedding', 'predict', 'logits', 'softmax', 'top2', 'gates', 'experts', 'combine'] as const;
export type Stage = (typeof stages)[number];

/** The engine's interpretable embedding has 8 named features, so d_model is 8. */
export const FEATURES = 8;

export const tokenWalkState = {
  /** Index of the chosen token in the sentence; -1 when none (or a typed word) is chosen. */
  token: int(-1, -1, 200),
  /** A word the learner typed instead of picking from the sentence. */
  word: text('', 40),
  /** The experts the learner predicts will win, by index. */
  pred: ints([], 0, 7, 8),
  /** Whether the prediction has been revealed. */
  shown: flag(false),
};
