// The balancing demonstrations of the Phase 3 lessons, copied field for field from
// engine/include/moe/train/demo_seeds.hpp (tests/web/phase3-helpers.test.ts fails if they drift
// apart), so what a learner watches is what the engine's tests check. No expert gets a head start
// (no router_skew): the imbalance comes from the initialisation and the data. Seed 1 shows all
// three effects (collapse onto one expert, Switch aux loss cutting the load CV below half, bias
// balancing keeping every expert under 1.5/E); it is every widget's default.
import type { TrainBalancing, TrainConfig } from '../../engine';

export const DEMO_SEED = 1;
/** The seeds the engine's demonstration tests run (demo::kSeeds). */
export const DEMO_SEEDS = [1, 2, 3, 4, 5] as const;

const common = {
  task: 'tokens',
  d_model: 16,
  d_ff: 32,
  num_experts: 8,
  optimizer: 'adam',
  lr: 0.01,
  seq_len: 32,
  chunk: 50,
  router_init_scale: 0.1,
} as const satisfies TrainConfig;

/** (a) Collapse: top-1 softmax router, no balancing (demo::kCollapseConfig). */
export const COLLAPSE_CONFIG: TrainConfig = {
  ...common,
  top_k: 1,
  router_kind: 'softmax_topk',
  batch: 128,
  steps: 400,
  balancing: { kind: 'none' },
};

/** (b) Fairness: the same run with the Switch aux loss, α = 0.01 (demo::kSwitchAuxConfig). */
export const SWITCH_AUX_CONFIG: TrainConfig = { ...COLLAPSE_CONFIG, balancing: { kind: 'switch_aux', alpha: 0.01 } };

/** (c) Auxiliary-loss-free balancing: sigmoid router, top-2, γ = 0.005 (demo::kBiasConfig). */
export const BIAS_CONFIG: TrainConfig = {
  ...common,
  top_k: 2,
  router_kind: 'sigmoid_grouped_topk_bias',
  batch: 256,
  steps: 400,
  balancing: { kind: 'aux_free_bias', gamma: 0.005 },
};

/** A demo config with its seed and, optionally, other balancing; `steps`/`chunk` stay the CLI's. */
export function demoConfig(base: TrainConfig, seed: number, balancing?: TrainBalancing): TrainConfig {
  return { ...base, seed, ...(balancing ? { balancing } : {}) };
}
