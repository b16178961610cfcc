// URL state of the balance-compare widget: one demonstration run trained twice
// side by side, without balancing and with the balancing method and strength the learner picks.
import { flag, int } from '../../player/url-state';
import type { TrainBalancing, TrainConfig } from '../../engine';
import { BIAS_CONFIG, COLLAPSE_CONFIG, DEMO_SEED, demoConfig } from '../train-common/demo';

/** α choices for the loss-based methods; index 3 (0.01) is the demonstration's. */
export const ALPHAS = [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1] as const;
/** γ choices for bias balancing; index 2 (0.005) is the demonstration's. */
export const GAMMAS = [0.001, 0.002, 0.005, 0.01, 0.05] as const;

export type Method = { id: 'switch_aux' | 'z_loss' | 'aux_free_bias'; label: string };
export const METHODS: Method[] = [
  { id: 'switch_aux', label: 'Switch aux loss (α)' },
  { id: 'z_loss', label: 'Router z-loss (α)' },
  { id: 'aux_free_bias', label: 'DeepSeek-V3 bias balancing (γ)' },
];

export const balanceCompareState = {
  bc_method: int(0, 0, METHODS.length - 1),
  /** Index into ALPHAS. */
  bc_alpha: int(3, 0, ALPHAS.length - 1),
  /** Index into GAMMAS. */
  bc_gamma: int(2, 0, GAMMAS.length - 1),
  bc_seed: int(DEMO_SEED, 1, 5),
  bc_table: flag(false),
};

/**
 * The two runs of a state. Loss-based methods use the collapse demonstration (top-1 softmax
 * router); bias balancing uses its own demonstration (sigmoid router, top-2). The baseline is the
 * same config with no balancing, so the only difference between the panes is the method.
 */
export function comparedConfigs(method: number, alphaIndex: number, gammaIndex: number, seed: number): { baseline: TrainConfig; balanced: TrainConfig } {
  const m = METHODS[method] ?? METHODS[0];
  const alpha = ALPHAS[alphaIndex] ?? ALPHAS[3];
  const gamma = GAMMAS[gammaIndex] ?? GAMMAS[2];
  const base = m.id === 'aux_free_bias' ? BIAS_CONFIG : COLLAPSE_CONFIG;
  const balancing: TrainBalancing = m.id === 'aux_free_bias' ? { kind: 'aux_free_bias', gamma } : { kind: m.id, alpha };
  return { baseline: demoConfig(base, seed, { kind: 'none' }), balanced: demoConfig(base, seed, balancing) };
}
