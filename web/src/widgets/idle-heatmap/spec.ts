// URL state of the idle-heatmap widget: a sentence routed through a seeded layer,
// drawn as tokens × experts with the gate of each chosen expert and blanks for idle ones.
import type { LayerSpec } from '../../engine/types';
import { flag, int, text } from '../../player/url-state';

export const heatmapExpertCounts = [4, 8, 16] as const;

export const idleHeatmapState = {
  /** The learner's sentence; empty means the lesson's. */
  ih_text: text('', 200),
  ih_e: int(8, 4, 16),
  ih_k: int(2, 1, 16),
  /** Show the numbers as a table instead of the heatmap. */
  ih_table: flag(false),
};

/** E from the URL, snapped to an offered value. */
export function expertCount(raw: number): number {
  return (heatmapExpertCounts as readonly number[]).includes(raw) ? raw : 8;
}

/**
 * The seeded, untrained layer the heatmap routes through: `dModel` features in, E experts, top-k.
 * The seed fixes the router rows (drawn first, so they do not depend on d_ff).
 */
export function heatmapSpec(dModel: number, dFf: number, experts: number, topK: number, seed: number): LayerSpec {
  return {
    config: {
      d_model: dModel,
      d_ff: dFf,
      num_experts: experts,
      top_k: topK,
      router_kind: 'softmax_topk_renorm',
      activation: 'silu',
      expert_kind: 'mlp',
    },
    seed,
  };
}
