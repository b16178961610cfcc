// The wasm Trainer accepts every trainable router kind: a few steps of each through EngineCore
// train, report finite losses and loads, and a misused option comes back as an error value.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RouterKind, TrainConfig } from '../../web/src/engine/types';
import { loadEngineCore } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

let core: Core;

beforeAll(async () => {
  core = await loadEngineCore();
});

const base: TrainConfig = { task: 'clusters', d_model: 8, d_ff: 16, num_experts: 4, batch: 64, seq_len: 16, seed: 2 };

const kinds: { router_kind: RouterKind; extra: Partial<TrainConfig> }[] = [
  { router_kind: 'softmax_topk', extra: { top_k: 2 } },
  { router_kind: 'softmax_topk_renorm', extra: { top_k: 2 } },
  { router_kind: 'sigmoid_grouped_topk_bias', extra: { top_k: 2, balancing: { kind: 'aux_free_bias', gamma: 0.01 } } },
  { router_kind: 'noisy_topk', extra: { top_k: 2, balancing: { kind: 'load_cv2', alpha: 0.1 } } },
  { router_kind: 'softmax_top1_capacity', extra: { capacity_factor: 1.25, balancing: { kind: 'switch_aux', alpha: 0.01 } } },
  { router_kind: 'topk_capacity', extra: { top_k: 2, capacity_factor: 1 } },
  { router_kind: 'expert_choice', extra: { capacity_factor: 2 } },
  { router_kind: 'soft_moe', extra: { slots_per_expert: 2 } },
];

describe('EngineCore training with every router kind', () => {
  for (const { router_kind, extra } of kinds) {
    it(`trains ${router_kind} in chunks`, () => {
      const id = core.trainCreate({ ...base, router_kind, ...extra });
      if (!id.ok) throw new Error(id.error);
      const first = core.trainRun(id.value, 40);
      if (!first.ok) throw new Error(first.error);
      const second = core.trainRun(id.value, 40);
      if (!second.ok) throw new Error(second.error);
      expect(second.value.step).toBe(80);
      const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
      expect(Array.from(second.value.loss).every(Number.isFinite)).toBe(true);
      expect(mean(second.value.loss)).toBeLessThan(mean(first.value.loss));
      const load = second.value.expert_load.subarray(0, 4).reduce((s: number, v: number) => s + v, 0);
      expect(load).toBeCloseTo(1, 5);
      const stats = core.trainStats(id.value);
      if (!stats.ok) throw new Error(stats.error);
      expect(stats.value.expert_load.length).toBe(4);
      expect(stats.value.nmi_cluster).toBeGreaterThanOrEqual(0);
      core.trainDelete(id.value);
    });
  }

  it('refuses a balancing kind the router does not take, naming the field', () => {
    const id = core.trainCreate({ ...base, router_kind: 'soft_moe', balancing: { kind: 'switch_aux', alpha: 0.01 } });
    expect(id.ok).toBe(false);
    if (!id.ok) expect(id.error).toMatch(/^config\.balancing: switch_aux does not apply to router soft_moe/);
  });
});
