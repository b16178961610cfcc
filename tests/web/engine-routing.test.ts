// Every router kind through the facade (EngineCore over the real wasm build): each oracle case
// at 1e-5 (indices, drops, counts exact; DeepSeek-V3 as (index, weight) pairs), and the bad-input
// list with the engine's exact messages, each followed by a good call.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LayerSpec, Trace } from '../../web/src/engine/types';
import { loadEngineCore, repo } from './wasm-engine';

const oracleDir = path.join(repo, 'tests/oracle');

let core: import('../../web/src/engine/core').EngineCore;

beforeAll(async () => {
  core = await loadEngineCore();
});

type Json = number | boolean | Json[];
interface OracleCase {
  config: Record<string, unknown> & { d_model: number };
  weights: Record<string, unknown>;
  input: number[][];
  expected: Record<string, Json>;
}

const load = (name: string): OracleCase => JSON.parse(readFileSync(path.join(oracleDir, `${name}.json`), 'utf8'));
const flat = (v: Json): number[] => (Array.isArray(v) ? v.flatMap(flat) : [typeof v === 'boolean' ? Number(v) : v]);

function run(name: string): { c: OracleCase; t: Trace } {
  const c = load(name);
  const spec = { config: c.config, weights: c.weights } as unknown as LayerSpec;
  const r = core.forward(spec, Float32Array.from(c.input.flat()), c.input.length);
  if (!r.ok) throw new Error(r.error);
  return { c, t: r.value };
}

function close(got: ArrayLike<number>, want: Json, what: string): void {
  const w = flat(want);
  expect(got.length, what).toBe(w.length);
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(got[i] - w[i]) <= 1e-5)) throw new Error(`${what}[${i}]: got ${got[i]}, expected ${w[i]}`);
  }
}

const exact = (got: ArrayLike<number>, want: Json) => expect(Array.from(got)).toEqual(flat(want));

describe('oracle cases through the facade', () => {
  it.each(['mixtral_e4_top2_d8_ff16_t6', 'mixtral_e8_top1_d8_ff16_t6'])('%s (M1, M3)', (name) => {
    const { c, t } = run(name);
    close(t.output, c.expected.output, 'output');
    close(t.router_logits, c.expected.router_logits, 'router_logits');
    close(t.topk_weights, c.expected.topk_weights, 'topk_weights');
    exact(t.topk_ids, c.expected.topk_indices);
    exact(t.counts_after_capacity, c.expected.expert_token_counts);
    close([t.losses.aux_loss, t.aux_loss], [c.expected.aux_loss, c.expected.aux_loss], 'aux_loss');
  });

  it('qwen2moe: raw gates and the sigmoid-gated shared expert (Q1)', () => {
    const { c, t } = run('qwen2moe_e4_top2_d8_ff8_sff16_t6_nonorm');
    close(t.output, c.expected.output, 'output');
    close(t.topk_weights, c.expected.topk_weights, 'topk_weights');
    exact(t.topk_ids, c.expected.topk_indices);
    close(t.shared_expert_output, c.expected.shared_expert_output_ungated, 'shared');
    close(t.shared_expert_gate_logit, c.expected.shared_expert_gate_logit, 'gate logit');
    close([t.losses.aux_loss], [c.expected.aux_loss], 'aux_loss');
  });

  it.each(['switch_e4_cf1.0_b2_s8_d8_ff16', 'switch_e4_cf0.5_b2_s8_d8_ff16'])('%s (S1–S6)', (name) => {
    const { c, t } = run(name);
    const e = c.expected;
    close(t.output, e.output, 'output');
    close(t.router_probs, e.router_probs, 'router_probs');
    close(t.topk_weights, e.topk_weights, 'topk_weights');
    exact(t.topk_ids, e.topk_indices);
    exact(t.dropped, e.dropped);
    exact(t.expert_index_returned, e.expert_index_returned);
    exact(t.counts_after_capacity, e.expert_token_counts);
    exact(t.counts_before_capacity, e.expert_token_counts_before_capacity);
    close(
      [t.losses.z_loss, t.losses.aux_loss, t.losses.aux_loss_switch_pre_capacity],
      [e.z_loss, e.aux_loss, e.aux_loss_with_pre_capacity_indices],
      'losses',
    );
    expect(t.stats.dropped_count).toBe(flat(e.dropped).filter((d) => d).length);
  });

  it('deepseekv3: grouped sigmoid top-2 with bias, shared expert (D1–D5)', () => {
    const { c, t } = run('deepseekv3_e8_g2_tg1_top2_bias_norm_rsf2.5');
    const e = c.expected;
    close(t.output, e.output, 'output');
    close(t.router_logits, e.router_logits, 'router_logits');
    close(t.shared_expert_output, e.shared_expert_output, 'shared_expert_output');
    exact(t.counts_after_capacity, e.expert_token_counts);
    const ids = e.topk_indices as number[][];
    const ws = e.topk_weights as number[][];
    for (let tok = 0; tok < t.tokens; tok++) {
      const want = ids[tok].map((id, j) => [id, ws[tok][j]] as const).sort((a, b) => a[0] - b[0]);
      const got = [0, 1].map((j) => [t.topk_ids[tok * 2 + j], t.topk_weights[tok * 2 + j]] as const).sort((a, b) => a[0] - b[0]);
      for (let j = 0; j < 2; j++) {
        expect(got[j][0]).toBe(want[j][0]);
        expect(Math.abs(got[j][1] - want[j][1])).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('mixtral_aux_loss: the M1 loss of given gate logits (identity router over them)', () => {
    const c = JSON.parse(readFileSync(path.join(oracleDir, 'mixtral_aux_loss_l2_b2_s5_e4_top2_nomask.json'), 'utf8'));
    const E = c.config.num_experts as number;
    const logits = (c.input.gate_logits as number[][][]).flat();
    const identity = Array.from({ length: E }, (_, i) => Array.from({ length: E }, (_, j) => (i === j ? 1 : 0)));
    const spec: LayerSpec = {
      config: { d_model: E, d_ff: 4, num_experts: E, top_k: c.config.top_k, router_kind: 'softmax_topk_renorm', activation: 'silu', expert_kind: 'swiglu' },
      weights: { router: identity },
      seed: 1,
    };
    const r = core.forward(spec, Float32Array.from(logits.flat()), logits.length);
    if (!r.ok) throw new Error(r.error);
    exact(r.value.topk_ids, c.expected.topk_indices);
    close([r.value.losses.aux_loss_mixtral], [c.expected.aux_loss], 'aux_loss');
  });
});

describe('router kinds, MoD and dense baselines through the facade', () => {
  const base = { d_model: 8, d_ff: 16, activation: 'silu', expert_kind: 'swiglu' } as const;
  const x = (T: number) => Float32Array.from({ length: T * 8 }, (_, i) => Math.sin(0.7 * i + 0.2));

  it('expert choice: every expert takes exactly C tokens', () => {
    const spec: LayerSpec = { config: { ...base, num_experts: 4, top_k: 1, router_kind: 'expert_choice', capacity_factor: 1 }, seed: 3 };
    const r = core.forward(spec, x(8), 8);
    if (!r.ok) throw new Error(r.error);
    expect(Array.from(r.value.counts_after_capacity)).toEqual([2, 2, 2, 2]);
    expect(r.value.fraction_unrouted).toBeCloseTo(r.value.stats.dropped_count / 8, 6);
  });

  it('soft MoE: combine rows sum to 1', () => {
    const spec: LayerSpec = { config: { ...base, num_experts: 2, top_k: 1, router_kind: 'soft_moe', slots_per_expert: 2 }, seed: 4 };
    const r = core.forward(spec, x(3), 3);
    if (!r.ok) throw new Error(r.error);
    for (let t = 0; t < 3; t++) expect(r.value.combine_weights.subarray(t * 4, t * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('noisy top-k: deterministic noise in train mode', () => {
    const spec: LayerSpec = { config: { ...base, num_experts: 4, top_k: 2, router_kind: 'noisy_topk', mode: 'train', noise_seed: 9 }, seed: 5 };
    const a = core.forward(spec, x(6), 6);
    const b = core.forward({ ...spec, config: { ...spec.config } }, x(6), 6);
    if (!a.ok || !b.ok) throw new Error('forward failed');
    expect(Array.from(a.value.noisy_logits)).toEqual(Array.from(b.value.noisy_logits));
    expect(Array.from(a.value.noisy_logits)).not.toEqual(Array.from(a.value.router_logits));
  });

  it('modRoute picks the C best tokens per sequence', () => {
    const w = Float32Array.from([1, -1, 0.5, 0, 0, 0, 0, 2]);
    const r = core.modRoute(x(12), 2, 6, 8, w, 2);
    if (!r.ok) throw new Error(r.error);
    expect(r.value.ran.reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.value.saved_fraction).toBeCloseTo(2 / 3, 6);
    const bad = core.modRoute(x(12), 2, 6, 8, w, 9);
    expect(bad).toEqual({ ok: false, error: 'capacity: must be between 0 and 6, got 9' });
  });

  it('denseBaseline gives same-total and same-active FFN specs', () => {
    const spec: LayerSpec = { config: { ...base, num_experts: 8, top_k: 2, router_kind: 'softmax_topk_renorm' }, seed: 2 };
    const total = core.denseBaseline(spec, 'total');
    const active = core.denseBaseline(spec, 'active');
    if (!total.ok || !active.ok) throw new Error('denseBaseline failed');
    expect(total.value.config.d_ff).toBe(16 * 8);
    expect(active.value.config.d_ff).toBe(16 * 2);
    expect(core.forward(active.value, x(2), 2).ok).toBe(true);
  });
});

describe('bad input through the facade: exact messages, then a good call', () => {
  const good: LayerSpec = {
    config: { d_model: 2, d_ff: 2, num_experts: 4, top_k: 2, router_kind: 'softmax_topk_renorm', activation: 'relu', expert_kind: 'mlp' },
    seed: 1,
  };
  const input = Float32Array.from([0.5, -1, 1, 2]);
  const withConfig = (patch: Record<string, unknown>) => ({ ...good, config: { ...good.config, ...patch } }) as LayerSpec;
  const cases: [string, () => unknown, string][] = [
    ['top_k out of range', () => core.forward(withConfig({ top_k: 5 }), input, 2), 'config.top_k: must be between 1 and num_experts (4), got 5'],
    ['zero size', () => core.forward(withConfig({ d_model: 0 }), input, 2), 'config.d_model: must be >= 1, got 0'],
    ['negative size', () => core.forward(withConfig({ num_experts: -2 }), input, 2), 'config.num_experts: must be >= 1, got -2'],
    ['missing field', () => core.forward(withConfig({ d_ff: undefined }), input, 2), 'config.d_ff: missing (expected an integer)'],
    [
      'unknown router kind',
      () => core.forward(withConfig({ router_kind: 'hash' }), input, 2),
      'config.router_kind: unknown router kind "hash" (expected one of softmax_topk, softmax_topk_renorm, noisy_topk, softmax_top1_capacity, topk_capacity, sigmoid_grouped_topk_bias, expert_choice, soft_moe)',
    ],
    [
      'wrong array shape',
      () => core.forward({ ...good, weights: { router: [[1, 0], [0, 1], [1, 1]] } }, input, 2),
      'weights.router: expected 4 rows, got 3',
    ],
    [
      'NaN in weights',
      () => core.forward({ ...good, weights: { router: [[NaN, 0], [0, 1], [1, 1], [0, 0]] } }, input, 2),
      'weights.router[0][0]: must be a finite number, got null',
    ],
    ['Inf in input', () => core.forward(good, Float32Array.from([0, Infinity, 1, 2]), 2), 'input[0][1]: must be a finite number, got Infinity'],
    ['empty input', () => core.forward(good, new Float32Array(0), 0), 'input.tokens: must be >= 1, got 0'],
    [
      'capacity kind without capacity',
      () => core.forward(withConfig({ router_kind: 'softmax_top1_capacity', top_k: 1 }), input, 2),
      'config.capacity_factor: missing (softmax_top1_capacity needs capacity_factor or expert_capacity)',
    ],
    [
      'memory cap',
      () => core.forward(withConfig({ d_model: 4096, d_ff: 4096 }), input, 2),
      'config: the weights need 134234112 floats, above the cap of 67108864 (64 Mi floats); lower d_model, d_ff or num_experts',
    ],
  ];
  it.each(cases)('%s', (_name, call, message) => {
    expect(call()).toEqual({ ok: false, error: message });
    const ok = core.forward(good, input, 2);
    expect(ok.ok).toBe(true);
  });

  it('nesting beyond the cap', () => {
    let deep: unknown = [1];
    for (let i = 0; i < 100; i++) deep = [deep];
    const r = core.forward({ ...good, weights: { router: deep as number[][] } }, input, 2);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^json: nesting deeper than 64 levels at byte \d+$/);
    expect(core.forward(good, input, 2).ok).toBe(true);
  });
});
