// URL state of the train-load widget: train a small MoE layer in the page and
// watch each expert's share of the tokens, step by step.
import { flag, int } from '../../player/url-state';
import type { TrainConfig } from '../../engine';
import { BIAS_CONFIG, COLLAPSE_CONFIG, DEMO_SEED, SWITCH_AUX_CONFIG, demoConfig } from '../train-common/demo';

export const trainStepChoices = [200, 400, 800, 1600] as const;

/** The three demonstrations, in the order the balancing menu lists them. */
export const balancingChoices: { label: string; base: TrainConfig }[] = [
  { label: 'None', base: COLLAPSE_CONFIG },
  { label: 'Switch aux loss, α = 0.01', base: SWITCH_AUX_CONFIG },
  { label: 'Bias balancing, γ = 0.005 (sigmoid router, top-2)', base: BIAS_CONFIG },
];

export const trainLoadState = {
  tl_seed: int(DEMO_SEED, 1, 5),
  /** Index into balancingChoices; 0 is the collapse demonstration. */
  tl_bal: int(0, 0, balancingChoices.length - 1),
  /** Steps to train; snapped to trainStepChoices. */
  tl_steps: int(400, 1, 1600),
  /** Show the numbers as a table instead of the chart. */
  tl_table: flag(false),
};

export function stepsChoice(raw: number): number {
  return (trainStepChoices as readonly number[]).includes(raw) ? raw : 400;
}

/** The engine config of a state: the chosen demonstration with the chosen seed. */
export function trainLoadConfig(seed: number, balancing: number): TrainConfig {
  const choice = balancingChoices[balancing] ?? balancingChoices[0];
  return demoConfig(choice.base, seed);
}
