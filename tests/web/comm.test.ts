// The traffic and memory calculators through EngineCore against the real WebAssembly build: the
// hand-worked batch of tests/engine/test_comm.cpp, a batch the engine routes (checked against a
// count of its topk_ids done here), the capacity mask, the memory convention, and errors as values.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommSpec, LayerSpec } from '../../web/src/engine/types';
import { randomBatch } from '../../web/src/widgets/serving-common/serving';
import { loadEngineCore } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

let core: Core;

beforeAll(async () => {
  core = await loadEngineCore();
});

/** 4 tokens on 2 devices, E 4, top-2, d_model 3, 2 bytes: worked out in tests/engine/test_comm.cpp. */
const handCase = (): CommSpec => ({
  num_experts: 4,
  devices: 2,
  d_model: 3,
  bytes_per_value: 2,
  tokens: 4,
  top_k: 2,
  topk_ids: Int32Array.of(0, 2, 1, 3, 2, 0, 3, -1),
});

describe('EngineCore.commVolume', () => {
  it('returns the hand-worked bytes of the engine test', () => {
    const r = core.commVolume(handCase());
    if (!r.ok) throw new Error(r.error);
    const v = r.value;
    expect(Array.from(v.dispatch_bytes)).toEqual([12, 12, 6, 12]);
    expect(Array.from(v.sent_bytes)).toEqual([12, 6]);
    expect(Array.from(v.received_bytes)).toEqual([6, 12]);
    expect([v.forward_bytes, v.cross_device_bytes, v.training_step_bytes, v.training_step_cross_device_bytes]).toEqual([84, 36, 168, 72]);
    expect([v.routed_slots, v.local_slots, v.dropped_slots]).toEqual([7, 4, 1]);
    expect(v.cross_device_fraction).toBeCloseTo(18 / 42, 12);
  });

  it('counts a batch the engine routed, pair by pair', () => {
    const spec: LayerSpec = {
      config: { d_model: 8, d_ff: 8, num_experts: 8, top_k: 2, router_kind: 'softmax_topk', activation: 'silu', expert_kind: 'mlp' },
      seed: 3,
    };
    const T = 256;
    const trace = core.forward(spec, randomBatch(T, 8, 5), T);
    if (!trace.ok) throw new Error(trace.error);
    const ids = trace.value.topk_ids;
    const r = core.commVolume({ num_experts: 8, devices: 4, d_model: 4096, bytes_per_value: 2, layers: 32, tokens: T, top_k: 2, topk_ids: ids });
    if (!r.ok) throw new Error(r.error);
    // Token t sits on device floor(t·4/T); expert e on device floor(e/2).
    let cross = 0;
    const into = [0, 0, 0, 0];
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < 2; j++) {
        const from = Math.floor((t * 4) / T);
        const to = Math.floor(ids[t * 2 + j] / 2);
        if (from !== to) (cross += 1), (into[to] += 1);
      }
    }
    const slotBytes = 4096 * 2 * 32;
    expect(r.value.forward_bytes).toBe(2 * T * 2 * slotBytes);
    expect(r.value.cross_device_bytes).toBe(2 * cross * slotBytes);
    expect(Array.from(r.value.received_bytes)).toEqual(into.map((n) => n * slotBytes));
    expect(r.value.local_slots).toBe(T * 2 - cross);
    // A random router over 4 devices sends roughly 3/4 of its pairs away, not exactly.
    expect(r.value.cross_device_fraction).toBeGreaterThan(0.6);
    expect(r.value.cross_device_fraction).toBeLessThan(0.9);
  });

  it('drops the slots a capacity mask marks, and errors are values that name the field', () => {
    const masked = core.commVolume({ ...handCase(), kept: Uint8Array.of(1, 0, 1, 1, 1, 1, 1, 1) });
    expect(masked.ok && [masked.value.dropped_slots, masked.value.cross_device_bytes]).toEqual([2, 24]);
    expect(core.commVolume({ ...handCase(), devices: 3 })).toEqual({
      ok: false,
      error: 'comm.devices: must divide num_experts (4) so every device holds the same number of experts, got 3',
    });
    expect(core.commVolume({ ...handCase(), topk_ids: Int32Array.of(0, 1) })).toEqual({ ok: false, error: 'comm.topk_ids: must hold tokens · top_k = 8 ids, got 2' });
    expect(core.commVolume({ ...handCase(), topk_ids: [0, 2] as unknown as Int32Array })).toEqual({ ok: false, error: 'comm.topk_ids: must be an Int32Array' });
    expect(core.commVolume({ ...handCase(), bytes_per_value: 'two' as unknown as number })).toEqual({ ok: false, error: 'comm.bytes_per_value: must be a number' });
    expect(core.commVolume(handCase()).ok).toBe(true); // still usable
  });
});

describe('EngineCore.trainingMemory', () => {
  it('follows the mixed-precision Adam convention', () => {
    const bf16 = core.trainingMemory(1e9, 2);
    expect(bf16).toEqual({
      ok: true,
      value: { serving_bytes: 2e9, weight_bytes: 2e9, gradient_bytes: 2e9, optimizer_bytes: 8e9, master_bytes: 4e9, training_bytes: 16e9 },
    });
    const fp32 = core.trainingMemory(1e9, 4);
    expect(fp32.ok && [fp32.value.master_bytes, fp32.value.training_bytes]).toEqual([0, 16e9]);
    expect(core.trainingMemory(-5, 2)).toEqual({ ok: false, error: 'memory.total_params: must be between 0 and 1e18, got -5.000000' });
  });
});
