// The train-cost widget's engine requests, checked against the real wasm engine in Node: the dense
// layer it times beside the MoE (the engine's dense baseline of the same active size) trains with
// the same task and optimiser, and the decode rows' inputs (experts a batch touches, the active
// count with k = that number) come out as the lesson says.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngineCore } from './wasm-engine';
import { DECODE_BATCH, ROUTE_D, ROUTE_SEED, denseTrainConfig, routedBatchSpec, timedCost, timedLayerSpec, timedTrainConfig } from '../../web/src/widgets/train-cost/spec';
import { randomBatch } from '../../web/src/widgets/serving-common/serving';

type Core = import('../../web/src/engine/core').EngineCore;
const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('train-cost against the engine', () => {
  let core: Core;
  beforeAll(async () => {
    core = await loadEngineCore();
    return () => core.dispose();
  });

  it('times a dense layer of the same active size: one expert as wide as k experts, trained the same way', () => {
    const dense = ok(core.denseBaseline(timedLayerSpec, 'active'));
    expect([dense.config.num_experts, dense.config.top_k, dense.config.d_ff]).toEqual([1, 1, timedLayerSpec.config.top_k * timedLayerSpec.config.d_ff]);
    const config = denseTrainConfig(dense.config);
    expect({ ...config, d_ff: undefined, num_experts: undefined, top_k: undefined, router_kind: undefined }).toEqual({
      ...timedTrainConfig,
      d_ff: undefined,
      num_experts: undefined,
      top_k: undefined,
      router_kind: undefined,
    });
    const id = ok(core.trainCreate(config));
    const chunk = ok(core.trainRun(id, 2));
    expect(chunk.num_experts).toBe(1);
    expect(Number.isFinite(chunk.loss[1])).toBe(true);
    core.trainDelete(id);
    // Same arithmetic per token, up to the MoE's router (E · d weights).
    const moe = ok(core.cost(timedCost));
    const d = ok(core.cost({ d_model: dense.config.d_model, d_ff: dense.config.d_ff, num_experts: 1, top_k: 1, expert_kind: 'swiglu' }));
    expect(moe.active_params - d.active_params).toBe((timedCost.num_experts - 1) * timedCost.d_model);
    expect(d.total_params).toBe(d.active_params);
  });

  it('a decode batch touches more experts than one token, so it reads more weights', () => {
    const step = ok(core.forward(routedBatchSpec(8, 2), randomBatch(DECODE_BATCH, ROUTE_D, ROUTE_SEED + 1), DECODE_BATCH));
    const touched = Array.from(step.expert_load).filter((n) => n > 0).length;
    expect(touched).toBeGreaterThanOrEqual(7);
    const shape = { d_model: 4096, d_ff: 14336, num_experts: 8, layers: 32, shared_params: 1605000000, expert_kind: 'swiglu' as const };
    const one = ok(core.trainingMemory(ok(core.cost({ ...shape, top_k: 2 })).active_params, 2));
    const batch = ok(core.trainingMemory(ok(core.cost({ ...shape, top_k: touched })).active_params, 2));
    const all = ok(core.trainingMemory(ok(core.cost({ ...shape, top_k: 2 })).total_params, 2));
    expect(one.serving_bytes).toBeLessThan(batch.serving_bytes);
    expect(batch.serving_bytes).toBeLessThanOrEqual(all.serving_bytes);
    // Mixtral-sized in bf16: about 93 GB, more than one 80 GB GPU (the lesson's "Running on one GPU").
    expect(all.serving_bytes / 1e9).toBeGreaterThan(80);
    expect(Math.round(all.serving_bytes / 1e9)).toBe(93);
  });
});
