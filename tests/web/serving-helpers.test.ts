// The eval-and-serving and mixture-of-depths widgets: their pure helpers (serving-common), and the
// demonstrations their lessons rely on, checked against the real wasm engine in Node.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchOrder,
  busiestOverMean,
  capacityFactor,
  capacitySpec,
  deviceLoads,
  gatherRows,
  histogram,
  modCapacity,
  quantile,
  randomBatch,
  rowNorm,
  shardingSpec,
  skewAt,
} from '../../web/src/widgets/serving-common/serving';
import { seededRandom } from '../../web/src/widgets/common/seeded-random';
import { runSeed } from '../../web/src/widgets/rebatch-flakiness/spec';
import { EPSILONS, NEAR_TIE_D, droplessSpec, epsilonAt, epsilonLabel, expertSetKey, jitterRows } from '../../web/src/widgets/near-tie-flips/spec';
import { loadEngineCore } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;
const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('serving helpers', () => {
  it('shuffles deterministically, keeps order for seed 0, and is a permutation', () => {
    expect(batchOrder(6, 0)).toEqual([0, 1, 2, 3, 4, 5]);
    const a = batchOrder(32, 7);
    expect(a).toEqual(batchOrder(32, 7));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(a).not.toEqual(batchOrder(32, 8));
    const r = seededRandom(1);
    const xs = Array.from({ length: 1000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('gathers rows, measures norms and draws seeded batches', () => {
    const f = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(Array.from(gatherRows(f, 2, [2, 0]))).toEqual([5, 6, 1, 2]);
    expect(rowNorm(new Float32Array([3, 4, 0, 0]), 2, 0)).toBe(5);
    const b = randomBatch(64, 8, 3);
    expect(b).toEqual(randomBatch(64, 8, 3));
    const mean = b.reduce((s, v) => s + v, 0) / b.length;
    expect(Math.abs(mean)).toBeLessThan(0.2);
    expect(b.every(Number.isFinite)).toBe(true);
  });

  it('adds expert loads per device and turns them into step time', () => {
    expect(deviceLoads([1, 2, 3, 4, 5, 6, 7, 8], 4)).toEqual([3, 7, 11, 15]);
    expect(deviceLoads([1, 2, 3, 4], 4)).toEqual([1, 2, 3, 4]);
    expect(busiestOverMean([8, 8, 8, 8])).toBe(1);
    expect(busiestOverMean([16, 8, 4, 4])).toBe(2);
    expect(busiestOverMean([0, 0])).toBe(1);
  });

  it('bins, quantiles, capacities and the offered values', () => {
    const bins = histogram([1, 1.05, 1.3, 9], 1, 0.25, 4);
    expect(bins.map((b) => b.count)).toEqual([2, 1, 0, 1]);
    expect(bins[3].to).toBe(Infinity);
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(modCapacity(50, 13)).toBe(7);
    expect(modCapacity(10, 3)).toBe(1);
    expect(modCapacity(100, 9)).toBe(9);
    expect(capacityFactor(2)).toBe(1);
    expect(capacityFactor(99)).toBe(4);
    expect(skewAt(-3)).toBe(0);
    expect(runSeed(10, 3, false)).toBe(13);
    expect(runSeed(10, 3, true)).toBe(10);
  });
});

describe('near-tie-flips helpers', () => {
  it('jitters every number by at most ε of itself, seeded, and not at all at ε = 0', () => {
    const x = randomBatch(64, 8, 5);
    expect(jitterRows(x, 0, 9)).toEqual(x);
    const y = jitterRows(x, 1e-3, 9);
    expect(y).toEqual(jitterRows(x, 1e-3, 9));
    expect(y).not.toEqual(jitterRows(x, 1e-3, 10));
    let moved = 0;
    y.forEach((v, i) => {
      expect(Math.abs(v - x[i])).toBeLessThanOrEqual(1e-3 * Math.abs(x[i]) * (1 + 1e-5));
      if (v !== x[i]) moved += 1;
    });
    expect(moved).toBeGreaterThan(x.length / 2);
    expect(x[0]).toBe(randomBatch(64, 8, 5)[0]); // the input is left alone
  });

  it('offers ε from 0 to 1e−2, labels it, and clamps a URL index', () => {
    expect(EPSILONS[0]).toBe(0);
    expect(epsilonAt(99)).toBe(1e-2);
    expect(epsilonAt(-3)).toBe(0);
    expect(EPSILONS.map(epsilonLabel)).toEqual(['0', '1e\u22126', '1e\u22125', '1e\u22124', '1e\u22123', '1e\u22122']);
  });

  it('compares expert sets regardless of slot order, and probes one expert further without renormalising', () => {
    const ids = new Int32Array([3, 1, 1, 3, 0, 2]); // [3 tokens, k = 2]
    expect(expertSetKey(ids, 2, 0)).toBe('1,3');
    expect(expertSetKey(ids, 2, 1)).toBe(expertSetKey(ids, 2, 0));
    expect(expertSetKey(ids, 2, 2)).toBe('0,2');
    const layer = droplessSpec({ experts: 8, topK: 2, seed: 3 });
    const probe = droplessSpec({ experts: 8, topK: 2, seed: 3, probe: true });
    expect([layer.config.top_k, layer.config.norm_topk_prob, layer.config.capacity_factor]).toEqual([2, true, undefined]);
    expect([probe.config.top_k, probe.config.norm_topk_prob, probe.seed]).toEqual([3, false, 3]);
  });
});

describe('the lessons’ demonstrations hold in the engine', () => {
  let core: Core;
  beforeAll(async () => {
    core = await loadEngineCore();
    return () => core.dispose();
  });

  const text = 'The chef salted 12 tomatoes. Saturn rose over Lisbon at 9 pm, and the striker scored twice. Markets fell 3% on Friday while the bakery sold bread.';
  function droppedByToken(cf: number, fixed: boolean, size = 8, runs = 6) {
    const emb = ok(core.embed(text));
    const T = Math.floor(emb.tokens.length / size) * size;
    const spec = capacitySpec({ experts: 4, capacityFactor: cf, groups: T / size, groupSize: size, seed: 5 });
    const byToken: number[][] = Array.from({ length: T }, () => []);
    for (let r = 0; r < runs; r++) {
      const order = batchOrder(T, runSeed(0, r, fixed));
      const tr = ok(core.forward(spec, gatherRows(emb.features, 8, order), T));
      order.forEach((tok, i) => byToken[tok].push(tr.dropped[i]));
    }
    return byToken;
  }
  const flaky = (rows: number[][]) => rows.filter((r) => r.includes(0) && r.includes(1)).length;

  it('rebatching flips some tokens at capacity factor 1, not with a fixed order or a large capacity', () => {
    expect(flaky(droppedByToken(1, false))).toBeGreaterThan(0);
    expect(flaky(droppedByToken(1, true))).toBe(0);
    expect(droppedByToken(4, false).flat().every((d) => d === 0)).toBe(true);
  });

  it('a skewed router makes step times vary; every token is kept', () => {
    const spec = shardingSpec({ experts: 8, tokens: 64, skew: 0.5, seed: 11 });
    const ratios: number[] = [];
    for (let b = 0; b < 48; b++) {
      const tr = ok(core.forward(spec, randomBatch(64, 8, 100_003 + b + 1), 64));
      expect(tr.stats.dropped_count).toBe(0);
      ratios.push(busiestOverMean(deviceLoads(Array.from(tr.expert_load), 4)));
    }
    expect(Math.max(...ratios) - Math.min(...ratios)).toBeGreaterThan(0.2);
    expect(Math.min(...ratios)).toBeGreaterThanOrEqual(1);
  });

  it('near ties: nothing changes at ε = 0, a few near-tie tokens change experts at ε = 1e−2, and only those', () => {
    const T = 1024;
    const x = randomBatch(T, NEAR_TIE_D, 77);
    const layer = droplessSpec({ experts: 8, topK: 2, seed: 3 });
    const probe = ok(core.forward(droplessSpec({ experts: 8, topK: 2, seed: 3, probe: true }), x, T));
    const base = ok(core.forward(layer, x, T));
    const margin = (t: number) => probe.topk_weights[t * 3 + 1] - probe.topk_weights[t * 3 + 2];
    for (let t = 0; t < T; t++) expect(expertSetKey(probe.topk_ids, 3, t).split(',').length).toBe(3);
    for (let t = 0; t < T; t++) expect(Array.from(probe.topk_ids.subarray(t * 3, t * 3 + 2)).sort().join(',')).toBe(expertSetKey(base.topk_ids, 2, t));
    const changed = (eps: number) => {
      const out = new Set<number>();
      for (let r = 0; r < 8; r++) {
        const run = ok(core.forward(layer, jitterRows(x, eps, 1 + r), T));
        for (let t = 0; t < T; t++) if (expertSetKey(run.topk_ids, 2, t) !== expertSetKey(base.topk_ids, 2, t)) out.add(t);
      }
      return [...out];
    };
    expect(changed(0)).toEqual([]);
    const big = changed(1e-2);
    expect(big.length).toBeGreaterThan(0);
    expect(big.length).toBeLessThan(T / 10);
    const median = quantile(Array.from({ length: T }, (_, t) => margin(t)), 0.5);
    for (const t of big) expect(margin(t)).toBeLessThan(median / 10);
    expect(changed(1e-4).length).toBeLessThanOrEqual(big.length);
  });

  it('mod_route keeps exactly the capacity, by score', () => {
    const emb = ok(core.embed('After the match, Lisbon fans sang while 40 tired players left the pitch.'));
    const T = emb.tokens.length;
    const w = new Float32Array([0.6, -1.2, 0.8, 1.0, 0.3, -0.2, -1.0, 0]);
    const r = ok(core.modRoute(emb.features, 1, T, 8, w, modCapacity(50, T)));
    expect(r.ran.reduce((a, b) => a + b, 0)).toBe(modCapacity(50, T));
    const kept = Array.from(r.scores).filter((_, t) => r.ran[t] === 1);
    const skipped = Array.from(r.scores).filter((_, t) => r.ran[t] === 0);
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...skipped));
  });
});
