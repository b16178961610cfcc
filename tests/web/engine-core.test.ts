// EngineCore against the real WebAssembly build (build/wasm/moe_engine.{mjs,wasm}), loaded once.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LayerSpec } from '../../web/src/engine/types';
import { loadEngineCore, repo } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

const spec: LayerSpec = {
  config: {
    d_model: 8,
    d_ff: 16,
    num_experts: 4,
    top_k: 2,
    router_kind: 'softmax_topk_renorm',
    activation: 'silu',
    expert_kind: 'swiglu',
  },
  seed: 7,
};

function input(tokens: number, d: number): Float32Array {
  const x = new Float32Array(tokens * d);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(1.7 * i + 0.3) * 1.5;
  return x;
}

let core: Core;

beforeAll(async () => {
  core = await loadEngineCore();
});

describe('EngineCore.forward', () => {
  it('returns a consistent trace for a seeded layer', () => {
    const T = 5;
    const r = core.forward(spec, input(T, 8), T);
    if (!r.ok) throw new Error(r.error);
    const t = r.value;
    const { num_experts: E, top_k: k, d_model: d } = t;
    expect([t.tokens, d, E, k]).toEqual([T, 8, 4, 2]);
    expect(t.router_probs.length).toBe(T * E);
    expect(t.expert_outputs.length).toBe(T * k * d);
    let load = 0;
    for (const n of t.expert_load) load += n;
    expect(load).toBe(T * k);
    for (let tok = 0; tok < T; tok++) {
      const probs = t.router_probs.subarray(tok * E, (tok + 1) * E);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const ids = t.topk_ids.subarray(tok * k, (tok + 1) * k);
      expect(probs[ids[0]]).toBeGreaterThanOrEqual(probs[ids[1]]);
      for (let e = 0; e < E; e++) if (!ids.includes(e)) expect(probs[e]).toBeLessThanOrEqual(probs[ids[k - 1]]);
      const gates = t.topk_weights.subarray(tok * k, (tok + 1) * k);
      expect(gates[0] + gates[1]).toBeCloseTo(1, 6);
      for (let i = 0; i < d; i++) {
        let sum = 0;
        for (let j = 0; j < k; j++) sum += gates[j] * t.expert_outputs[(tok * k + j) * d + i];
        expect(t.output[tok * d + i]).toBeCloseTo(sum, 5);
      }
    }
  });

  it('returns copies that survive the next call', () => {
    const a = core.forward(spec, input(3, 8), 3);
    const b = core.forward({ ...spec, seed: 8 }, input(2, 8), 2);
    if (!a.ok || !b.ok) throw new Error('forward failed');
    expect(a.value.output.length).toBe(24);
    expect(Array.from(a.value.output)).not.toEqual(Array.from(b.value.output.slice(0, 16)));
    const again = core.forward(spec, input(3, 8), 3);
    if (!again.ok) throw new Error(again.error);
    expect(Array.from(again.value.output)).toEqual(Array.from(a.value.output));
  });

  it('reports a bad config by field, and the next call works', () => {
    const bad = core.forward({ ...spec, config: { ...spec.config, top_k: 5 } }, input(1, 8), 1);
    expect(bad).toEqual({ ok: false, error: 'config.top_k: must be between 1 and num_experts (4), got 5' });
    const badInput = core.forward(spec, input(1, 7), 1);
    expect(badInput).toEqual({ ok: false, error: 'input: expected tokens × d_model = 1 × 8 = 8 numbers, got 7' });
    const empty = core.forward(spec, new Float32Array(0), 0);
    expect(empty).toEqual({ ok: false, error: 'input.tokens: must be >= 1, got 0' });
    expect(core.forward(spec, input(2, 8), 2).ok).toBe(true);
  });

  it('survives 1,000 rejected calls and then computes correctly', () => {
    const expected = core.forward(spec, input(4, 8), 4);
    if (!expected.ok) throw new Error(expected.error);
    for (let i = 0; i < 1000; i++) {
      const r = core.forward({ ...spec, config: { ...spec.config, num_experts: 0 } }, input(1, 8), 1);
      expect(r.ok).toBe(false);
      if (i === 0 && !r.ok) expect(r.error).toBe('config.num_experts: must be >= 1, got 0');
    }
    const after = core.forward(spec, input(4, 8), 4);
    if (!after.ok) throw new Error(after.error);
    expect(Array.from(after.value.output)).toEqual(Array.from(expected.value.output));
  });
});

describe('EngineCore.embed', () => {
  it('returns tokens and 8 named features', () => {
    const r = core.embed('The router picks 2 experts!');
    if (!r.ok) throw new Error(r.error);
    const e = r.value;
    expect(e.feature_names).toEqual(['digit', 'punct', 'capital', 'length', 'vowels', 'position', 'function_word', 'bias']);
    expect(e.tokens).toEqual(['The', 'router', 'picks', '2', 'experts', '!']);
    expect(e.features.length).toBe(6 * 8);
    expect(Array.from(e.features.subarray(0, 8))).toEqual([0, 0, 1, Math.fround(0.3), Math.fround(1 / 3), 0, 1, 1]);
    expect(e.features[3 * 8 + 0]).toBe(1); // "2" is all digits
  });

  it('refuses oversized text with an error value', () => {
    const r = core.embed('a'.repeat(70000));
    expect(r).toEqual({ ok: false, error: 'text: is 70000 bytes, above the cap of 65536 bytes (64 KiB)' });
    expect(core.embed('still fine').ok).toBe(true);
  });
});

describe('EngineCore against the oracle', () => {
  it('matches mixtral_e4_top2_d8_ff16_t6 within 1e-5', () => {
    const c = JSON.parse(readFileSync(path.join(repo, 'tests/oracle/mixtral_e4_top2_d8_ff16_t6.json'), 'utf8'));
    const oracleSpec: LayerSpec = {
      config: {
        d_model: c.config.d_model,
        d_ff: c.config.d_ff,
        num_experts: c.config.num_experts,
        top_k: c.config.top_k,
        router_kind: c.config.router_kind,
        norm_topk_prob: c.config.norm_topk_prob,
        activation: c.config.activation,
        expert_kind: 'swiglu',
      },
      weights: c.weights,
    };
    const rows: number[][] = c.input;
    const r = core.forward(oracleSpec, Float32Array.from(rows.flat()), rows.length);
    if (!r.ok) throw new Error(r.error);
    const t = r.value;
    expect(Array.from(t.topk_ids)).toEqual(c.expected.topk_indices.flat());
    expect(Array.from(t.expert_load)).toEqual(c.expected.expert_token_counts);
    const close = (got: Float32Array, want: number[]) => {
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-5));
    };
    close(t.output, c.expected.output.flat());
    close(t.router_logits, c.expected.router_logits.flat());
    close(t.topk_weights, c.expected.topk_weights.flat());
    expect(Math.abs(t.aux_loss - c.expected.aux_loss)).toBeLessThanOrEqual(1e-5);
  });
});
