// Live training through EngineCore against the real WebAssembly build: chunked runs, the same
// seed giving the same loss curve, sentence assignment, and config errors as values.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../web/src/engine/types';
import { loadEngineCore } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

const config: TrainConfig = {
  task: 'tokens',
  d_model: 16,
  d_ff: 32,
  num_experts: 4,
  top_k: 2,
  batch: 64,
  seq_len: 16,
  lr: 0.01,
  seed: 7,
  balancing: { kind: 'switch_aux', alpha: 0.01 },
};

let core: Core;

beforeAll(async () => {
  core = await loadEngineCore();
});

function curve(c: TrainConfig, chunks: number[]): Float32Array {
  const id = core.trainCreate(c);
  if (!id.ok) throw new Error(id.error);
  const parts: number[] = [];
  for (const n of chunks) {
    const r = core.trainRun(id.value, n);
    if (!r.ok) throw new Error(r.error);
    parts.push(...r.value.loss);
  }
  core.trainDelete(id.value);
  return Float32Array.from(parts);
}

describe('EngineCore training', () => {
  it('trains in chunks and reports per-step loss, aux loss and loads', () => {
    const id = core.trainCreate(config);
    if (!id.ok) throw new Error(id.error);
    const r = core.trainRun(id.value, 25);
    if (!r.ok) throw new Error(r.error);
    expect(r.value.steps).toBe(25);
    expect(r.value.step).toBe(25);
    expect(r.value.loss.length).toBe(25);
    expect(r.value.aux_loss.length).toBe(25);
    expect(r.value.expert_load.length).toBe(25 * 4);
    const firstStep = r.value.expert_load.subarray(0, 4).reduce((a: number, b: number) => a + b, 0);
    expect(firstStep).toBeCloseTo(1, 5);
    // P_e per step: the mean normalised router probability, a distribution over the 4 experts.
    expect(r.value.router_prob.length).toBe(25 * 4);
    for (let s = 0; s < 25; s++) expect(r.value.router_prob.subarray(s * 4, s * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(Array.from(r.value.selection_bias)).toEqual([0, 0, 0, 0]); // no bias balancing here
    const more = core.trainRun(id.value, 25);
    if (!more.ok) throw new Error(more.error);
    expect(more.value.step).toBe(50);
    expect(more.value.loss[24]).toBeLessThan(r.value.loss[0]);
    const stats = core.trainStats(id.value);
    if (!stats.ok) throw new Error(stats.error);
    expect(stats.value.expert_load.length).toBe(4);
    // Per-expert Switch terms E·f_e·P_e add up to the Switch loss the model reports.
    const { expert_load: f, router_prob: P, switch_term: term, switch_loss } = stats.value;
    for (let e = 0; e < 4; e++) expect(term[e]).toBeCloseTo(4 * f[e] * P[e], 6);
    expect(term.reduce((a, b) => a + b, 0)).toBeCloseTo(switch_loss, 5);
    expect(switch_loss).toBeGreaterThan(0.5); // a live router's value, not an empty default
    expect(stats.value.nmi_surface).toBeGreaterThanOrEqual(0);
    expect(stats.value.nmi_topic).toBeLessThanOrEqual(1);
    const a = core.trainAssign(id.value, 'Jupiter has 95 moons.');
    if (!a.ok) throw new Error(a.error);
    expect(a.value.tokens).toEqual(['Jupiter', 'has', '95', 'moons', '.']);
    expect(a.value.experts.length).toBe(5);
    core.trainDelete(id.value);
    expect(core.trainRun(id.value, 1)).toEqual({ ok: false, error: `trainer: no trainer with id ${id.value}` });
  });

  it('gives the same loss curve for the same seed, however the steps are chunked', () => {
    const a = curve(config, [40]);
    const b = curve(config, [10, 30]);
    expect(Array.from(b)).toEqual(Array.from(a));
    const c = curve({ ...config, seed: 8 }, [40]);
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('reports the selection bias of a bias-balancing run after each chunk', () => {
    const id = core.trainCreate({ ...config, router_kind: 'sigmoid_grouped_topk_bias', balancing: { kind: 'aux_free_bias', gamma: 0.25 } });
    if (!id.ok) throw new Error(id.error);
    const r = core.trainRun(id.value, 3); // (after 4 steps this seed's biases happen to swing back to exactly 0)
    if (!r.ok) throw new Error(r.error);
    expect(r.value.selection_bias.length).toBe(4);
    expect(r.value.selection_bias.some((b) => b !== 0)).toBe(true);
    for (const b of r.value.selection_bias) expect(Math.abs(b / 0.25 - Math.round(b / 0.25))).toBeLessThan(1e-6); // moves by ±γ per step
    core.trainDelete(id.value);
  });

  it('returns config errors as values and stays usable', () => {
    const bad = core.trainCreate({ ...config, top_k: 9 });
    expect(bad).toEqual({ ok: false, error: 'config.top_k: must be between 1 and num_experts (4), got 9' });
    const typo = core.trainCreate({ ...config, balancing: { kind: 'aux_free_bias' } });
    expect(typo.ok).toBe(false);
    expect(!typo.ok && typo.error).toMatch(/^config\.balancing\.gamma: missing/);
    const id = core.trainCreate(config);
    expect(id.ok).toBe(true);
    if (id.ok) core.trainDelete(id.value);
  });
});
