// The three runs the learner compares: one small Mixtral-style model and one recipe, trained with
// no balancing, with the Switch aux loss, or with the loss-free bias. Everything else is equal, the
// seed included, so the runs start from the same weights and see the same batches: any imbalance
// comes from that initialisation and the data, and any difference from the balancing alone.
import type { LmTrainRecipe } from '../../engine';

export const balancingKinds = ['none', 'switch', 'bias'] as const;
export type BalancingKind = (typeof balancingKinds)[number];

export const balancingLabels: Record<BalancingKind, string> = {
  none: 'No balancing',
  switch: 'Switch aux loss',
  bias: 'Loss-free bias',
};

/** α of the Switch loss (Fedus et al. 2021 use 0.01) and γ of the bias step (DeepSeek-V3 uses 0.001). */
export const SWITCH_ALPHA = 0.01;
export const BIAS_GAMMA = 0.001;

/** The model every run trains: 2 layers of 8 experts, top-2, width 64, context 64. */
export const lessonModel: LmTrainRecipe['model'] = {
  hidden_size: 64,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  num_local_experts: 8,
  num_experts_per_tok: 2,
  max_position_embeddings: 64,
};

/** The recipe of one run: `steps` steps of 8 windows of 64 tokens, seeded by `seed`. */
export function lessonRecipe(kind: BalancingKind, steps: number, seed: number): LmTrainRecipe {
  const balancing = kind === 'switch' ? { switch_aux: SWITCH_ALPHA } : kind === 'bias' ? { bias_gamma: BIAS_GAMMA } : {};
  return {
    model: lessonModel,
    router_kind: 'softmax_topk_renorm',
    balancing,
    batch: 8,
    seq_len: 64,
    steps,
    warmup: Math.max(1, Math.round(steps / 15)),
    lr: 0.01,
    min_lr: 0.001,
    seed,
    train_bytes: 0,
    eval_windows: 8,
  };
}
