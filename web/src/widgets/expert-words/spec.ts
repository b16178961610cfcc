// URL state of the expert-words widget: train a balanced layer on the corpus,
// then colour a sentence by the expert each token goes to and show the engine's NMI.
import { flag, int, text } from '../../player/url-state';
import type { TrainConfig } from '../../engine';
import { BIAS_CONFIG, DEMO_SEED, SWITCH_AUX_CONFIG, demoConfig } from '../train-common/demo';

/** Balanced demonstrations only: a collapsed router sends everything to one expert. */
export const wordsRuns: { label: string; base: TrainConfig }[] = [
  { label: 'Bias balancing (sigmoid router, top-2)', base: BIAS_CONFIG },
  { label: 'Switch aux loss (softmax router, top-1)', base: SWITCH_AUX_CONFIG },
];

export const expertWordsState = {
  ew_text: text('', 200),
  ew_run: int(0, 0, wordsRuns.length - 1),
  ew_seed: int(DEMO_SEED, 1, 5),
  ew_table: flag(false),
};

export function wordsConfig(run: number, seed: number): TrainConfig {
  return demoConfig((wordsRuns[run] ?? wordsRuns[0]).base, seed);
}
