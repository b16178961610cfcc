// The Phase 1 additions to the engine facade against the real WebAssembly build: the cost
// calculator, the active-parameter solver, the expert probe and forward timing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../web/src/engine/types';
import { loadEngineCore } from './wasm-engine';

let core: import('../../web/src/engine/core').EngineCore;

beforeAll(async () => {
  core = await loadEngineCore();
});

const spec = (expert_kind: 'mlp' | 'swiglu', activation: 'relu' | 'gelu' | 'silu'): LayerSpec => ({
  config: { d_model: 8, d_ff: 16, num_experts: 4, top_k: 2, router_kind: 'softmax_topk_renorm', activation, expert_kind },
  seed: 3,
});

describe('cost', () => {
  it('counts the toy layer by hand: 1056 stored, 544 used', () => {
    const r = core.cost({ d_model: 8, d_ff: 16, num_experts: 4, top_k: 2 });
    expect(r).toEqual({
      ok: true,
      value: {
        params_per_expert: 256,
        router_params: 32,
        total_params: 1056,
        active_params: 544,
        active_fraction: 544 / 1056,
        flops_per_token_active: 1088,
        flops_per_token_dense: 2112,
      },
    });
  });

  it('answers 8 experts, top-2, 400B total with 100B active', () => {
    const r = core.solveActive(400e9, 0, 8, 2);
    expect(r.ok && r.value.active_params).toBeCloseTo(100e9, -3);
  });

  it('returns field errors as values and keeps working', () => {
    expect(core.cost({ d_model: 8, d_ff: 16, num_experts: 0, top_k: 1 })).toEqual({
      ok: false,
      error: 'cost.num_experts: must be >= 1, got 0',
    });
    expect(core.cost({ d_model: 8.5, d_ff: 16, num_experts: 2, top_k: 1 })).toMatchObject({ ok: false });
    expect(core.cost({ d_model: 8, d_ff: 16, num_experts: 2, top_k: 1, expert_kind: 'dense' as never })).toEqual({
      ok: false,
      error: 'cost.expert_kind: must be "mlp" or "swiglu"',
    });
    expect(core.solveActive(400e9, 1, 8, 2)).toMatchObject({ ok: false });
    expect(core.cost({ d_model: 8, d_ff: 16, num_experts: 2, top_k: 1 }).ok).toBe(true);
  });
});

describe('probeExpert', () => {
  it("matches the layer's expert_outputs for both routed experts", () => {
    for (const s of [spec('mlp', 'relu'), spec('mlp', 'gelu'), spec('swiglu', 'silu')]) {
      const x = new Float32Array([0.2, -1, 0.5, 1, 0.3, 0, -0.4, 1]);
      const run = core.forward(s, x, 1);
      if (!run.ok) throw new Error(run.error);
      for (let j = 0; j < 2; j++) {
        const e = run.value.topk_ids[j];
        const p = core.probeExpert(s, e, x);
        if (!p.ok) throw new Error(p.error);
        // Same math through different kernels (the layer uses packed weights): equal to rounding.
        const layerOut = run.value.expert_outputs.slice(j * 8, j * 8 + 8);
        expect(p.value.output.length).toBe(8);
        p.value.output.forEach((v, o) => expect(Math.abs(v - layerOut[o])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(layerOut[o]))));
        expect(p.value.pre_activation.length).toBe(16);
        expect(p.value.up.length).toBe(s.config.expert_kind === 'swiglu' ? 16 : 0);
      }
    }
  });

  it('refuses an expert that does not exist', () => {
    expect(core.probeExpert(spec('mlp', 'relu'), 4, new Float32Array(8))).toEqual({
      ok: false,
      error: 'expert: must be between 0 and 3, got 4',
    });
  });
});

describe('timeForward', () => {
  it('reports each run and a positive throughput', () => {
    const x = new Float32Array(16 * 8).fill(0.25);
    const r = core.timeForward(spec('mlp', 'silu'), x, 16, { warmup: 1, calls: 2, runs: 3 });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.runs_ms).toHaveLength(3);
    expect(r.value.tokens_per_second).toBeGreaterThan(0);
    expect(r.value.calls_per_run).toBe(2);
  });

  it('passes a bad spec back as an error', () => {
    const bad = spec('mlp', 'silu');
    bad.config.top_k = 9;
    expect(core.timeForward(bad, new Float32Array(8), 1).ok).toBe(false);
  });
});
