// The expert-choice-soft-moe and shared-fine-grained widgets: their pure helpers (router-choice,
// shared-experts), and the claims their lessons make, checked against the real wasm engine in Node
// on the lessons' own parameters.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngineCore, repo } from './wasm-engine';
import { parseLesson } from '../../web/src/lessons/parse';
import { parseGlossary } from '../../web/src/lessons/glossary';
import { renderInline } from '../../web/src/lessons/markdown';
import { widgetCatalog } from '../../web/src/widgets/catalog';
import type { Lesson } from '../../web/src/lessons/types';
import type { Trace } from '../../web/src/engine/types';
import { capacityFactor } from '../../web/src/widgets/serving-common/serving';
import { ROUTERS, comparedSpec, countRange, expertCountText, expertRuns, expertsPerToken, slotReads, weightsByExpert, type ComparedKind, type ComparedLayer } from '../../web/src/widgets/router-choice/spec';
import type { RouterChoiceParams } from '../../web/src/widgets/router-choice/params';
import { combinations, countText, fineShape, fineSpec, maxShared, outputParts, sigmoid, SPLITS } from '../../web/src/widgets/shared-experts/spec';
import type { SharedExpertsParams } from '../../web/src/widgets/shared-experts/params';

type Core = import('../../web/src/engine/core').EngineCore;
const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const glossary = parseGlossary('lessons/glossary.yaml', readFileSync(`${repo}/lessons/glossary.yaml`, 'utf8'), (md) => renderInline(md));
const lesson = (id: string): Lesson => parseLesson(`lessons/${id}.md`, readFileSync(`${repo}/lessons/${id}.md`, 'utf8'), widgetCatalog, glossary);
const paramsOf = <T>(l: Lesson, name: string): T =>
  (l.steps.flatMap((s) => s.blocks).find((b) => b.kind === 'widget' && b.name === name) as { params: unknown }).params as T;
const rc = paramsOf<RouterChoiceParams>(lesson('expert-choice-soft-moe'), 'router-choice');
const se = paramsOf<SharedExpertsParams>(lesson('shared-fine-grained'), 'shared-experts');

let core: Core;
beforeAll(async () => {
  core = await loadEngineCore();
});

describe('router-choice', () => {
  const layer = (cfIndex: number, p: number): ComparedLayer => ({ router: rc.router, topK: rc.top_k, dFf: rc.d_ff, seed: rc.seed, capacityFactor: capacityFactor(cfIndex), slotsPerExpert: p });
  const route = (kind: ComparedKind, l: ComparedLayer) => {
    const emb = ok(core.embed(rc.sentence));
    return ok(core.forward(comparedSpec(kind, l), emb.features, emb.tokens.length));
  };

  it('soft MoE repeats each expert’s router row for its p slots, expert-major like the engine', () => {
    const spec = comparedSpec('soft_moe', layer(5, 3));
    const rows = spec.weights!.router!;
    expect(rows).toHaveLength(rc.router.length * 3);
    rows.forEach((row, s) => expect(row).toEqual(rc.router[Math.floor(s / 3)]));
    expect(spec.config.slots_per_expert).toBe(3);
    expect(comparedSpec('expert_choice', layer(2, 1)).config.capacity_factor).toBe(1);
    expect(comparedSpec('softmax_topk_renorm', layer(2, 1)).config).not.toHaveProperty('capacity_factor');
  });

  it('token choice: exactly k experts per token, weights summing to 1, nothing unrouted', () => {
    const tr = route('softmax_topk_renorm', layer(5, 1));
    const w = weightsByExpert('softmax_topk_renorm', tr);
    expect(expertsPerToken(w)).toEqual(Array(tr.tokens).fill(rc.top_k));
    for (const row of w) expect(row.reduce<number>((a, x) => a + (x ?? 0), 0)).toBeCloseTo(1, 5);
    expect(expertRuns('softmax_topk_renorm', tr)).toBe(tr.tokens * rc.top_k);
    expect(tr.stats.dropped_count).toBe(0);
  });

  it('expert choice: every load equals C = round(c·T/E); and the lesson’s claims about its batch hold', () => {
    for (const cfIndex of [0, 2, 5, 6]) {
      const tr = route('expert_choice', layer(cfIndex, 1));
      const T = tr.tokens;
      const E = rc.router.length;
      const C = Math.round(capacityFactor(cfIndex) * T / E);
      expect(tr.capacity).toBe(Math.min(C, T));
      expect(Array.from(tr.expert_load)).toEqual(Array(E).fill(tr.capacity));
      const w = weightsByExpert('expert_choice', tr);
      const per = expertsPerToken(w);
      expect(per.reduce((a, b) => a + b, 0)).toBe(E * tr.capacity);
      expect(expertRuns('expert_choice', tr)).toBe(E * tr.capacity);
      // A token with no expert is exactly a dropped one, and the engine's fraction agrees.
      expect(per.map((n) => (n === 0 ? 1 : 0))).toEqual(Array.from(tr.dropped));
      expect(tr.fraction_unrouted).toBeCloseTo(tr.stats.dropped_count / T, 6);
      // An expert's weight on a token it took is that token's softmax probability.
      w.forEach((row, t) => row.forEach((x, e) => x !== null && expect(x).toBeCloseTo(tr.router_probs[t * E + e], 6)));
    }
    // The lesson's claims: token choice spreads this batch unevenly; expert choice at c = 2 pays
    // what top-2 pays, with some tokens getting more than two experts and some fewer; at c = 0.5
    // each expert takes one token, so at most E of the T tokens are served.
    const top = route('softmax_topk_renorm', layer(5, 1));
    expect(new Set(top.expert_load).size).toBeGreaterThan(1);
    const at2 = route('expert_choice', layer(5, 1));
    expect(expertRuns('expert_choice', at2)).toBe(at2.tokens * rc.top_k);
    const per2 = expertsPerToken(weightsByExpert('expert_choice', at2));
    expect(Math.max(...per2)).toBeGreaterThan(rc.top_k);
    expect(Math.min(...per2)).toBeLessThan(rc.top_k);
    const half = route('expert_choice', layer(0, 1));
    expect(half.capacity).toBe(1);
    expect(half.stats.dropped_count).toBeGreaterThanOrEqual(half.tokens - rc.router.length);
  });

  it('soft MoE: every expert on every token, no token dropped, E·p expert runs, weights = token choice’s softmax', () => {
    const top = route('softmax_topk_renorm', layer(5, 1));
    for (const p of [1, 2, 4]) {
      const tr = route('soft_moe', layer(5, p));
      const E = rc.router.length;
      const w = weightsByExpert('soft_moe', tr);
      expect(expertsPerToken(w)).toEqual(Array(tr.tokens).fill(E));
      expect(tr.stats.dropped_count).toBe(0);
      expect(expertRuns('soft_moe', tr)).toBe(E * p);
      w.forEach((row, t) => row.forEach((x, e) => expect(x).toBeCloseTo(top.router_probs[t * E + e], 5)));
      // A slot's dispatch weights are a softmax over the tokens; slotReads lists its largest.
      const reads = slotReads(tr, 0, tr.tokens);
      expect(reads.reduce((a, [, x]) => a + x, 0)).toBeCloseTo(1, 5);
      for (let i = 1; i < reads.length; i++) expect(reads[i][1]).toBeLessThanOrEqual(reads[i - 1][1]);
    }
  });

  it('names the three routers in a fixed order, and writes counts as a range', () => {
    expect(ROUTERS.map((r) => r.kind)).toEqual(['softmax_topk_renorm', 'expert_choice', 'soft_moe']);
    expect(countRange([2, 2, 2])).toBe('2');
    expect(countRange([2, 0, 4, 1])).toBe('0 to 4');
    expect([0, 1, 3].map(expertCountText)).toEqual(['no expert', '1 expert', '3 experts']);
  });
});

describe('shared-experts', () => {
  const coarse = { experts: se.experts, topK: se.top_k, dFf: se.d_ff };

  it('counts combinations exactly, including the DeepSeekMoE paper’s example', () => {
    expect(combinations(16, 2)).toBe(120n);
    expect(combinations(64, 8)).toBe(4_426_165_368n);
    expect(combinations(5, 0)).toBe(1n);
    expect(combinations(5, 6)).toBe(0n);
    expect(combinations(128, 16)).toBe(combinations(128, 112));
    expect(countText(4_426_165_368n)).toBe('4,426,165,368');
    expect(countText(combinations(128, 16))).toMatch(/^\d\.\d\d × 10\^19$/);
  });

  it('splits and isolates shared experts the DeepSeekMoE way, keeping at least one routed choice', () => {
    expect(fineShape(coarse, 4, 0)).toEqual({ split: 4, routed: 64, topK: 8, dFf: 16, shared: 0, sharedDff: 0 });
    expect(fineShape(coarse, 4, 1)).toEqual({ split: 4, routed: 63, topK: 7, dFf: 16, shared: 1, sharedDff: 16 });
    expect(fineShape(coarse, 1, 2)).toEqual({ split: 1, routed: 15, topK: 1, dFf: 64, shared: 1, sharedDff: 64 });
    expect(maxShared(coarse, 1)).toBe(1);
    expect(maxShared(coarse, 8)).toBe(2);
  });

  it('the engine counts the same expert parameters per token and in total for every split and shared count', () => {
    const expertCount = (split: number, shared: number) => {
      const s = fineShape(coarse, split, shared);
      const sharedParams = s.shared > 0 ? ok(core.cost({ d_model: 8, d_ff: s.sharedDff, num_experts: 1, top_k: 1 })).params_per_expert : 0;
      const r = ok(core.cost({ d_model: 8, d_ff: s.dFf, num_experts: s.routed, top_k: s.topK, shared_params: sharedParams }));
      return { active: r.active_params - r.router_params, total: r.total_params - r.router_params, router: r.router_params };
    };
    const base = expertCount(1, 0);
    for (const m of SPLITS) {
      for (let s = 0; s <= maxShared(coarse, m); s++) {
        const c = expertCount(m, s);
        expect(c.active, `m=${m}, s=${s}`).toBe(base.active);
        expect(c.total, `m=${m}, s=${s}`).toBe(base.total);
      }
    }
    // Only the router grows: it scores m·E − s experts.
    expect(expertCount(4, 0).router).toBe(4 * base.router);
  });

  it('runs the live layer: m·k − s routed experts per token, and the shared part is σ(gate logit) times the shared MLP', () => {
    const emb = ok(core.embed(se.sentence));
    const T = emb.tokens.length;
    const plain = ok(core.forward(fineSpec(fineShape(coarse, 4, 0), false, se.seed), emb.features, T));
    expect(plain.slots).toBe(8);
    expect(plain.shared_expert_output).toHaveLength(0);
    for (let t = 0; t < T; t++) expect(outputParts(plain, t).shared).toBeLessThan(1e-5);

    const shared = ok(core.forward(fineSpec(fineShape(coarse, 4, 1), false, se.seed), emb.features, T));
    expect(shared.slots).toBe(7);
    const gated = ok(core.forward(fineSpec(fineShape(coarse, 4, 1), true, se.seed), emb.features, T));
    expect(gated.shared_expert_gate_logit).toHaveLength(T);
    const norm = (tr: Trace, t: number) => Math.hypot(...tr.shared_expert_output.slice(t * 8, t * 8 + 8));
    for (let t = 0; t < T; t++) {
      const u = outputParts(shared, t);
      expect(u.shared).toBeCloseTo(norm(shared, t), 4); // ungated: the whole shared MLP output
      const g = outputParts(gated, t);
      expect(g.shared).toBeCloseTo(sigmoid(gated.shared_expert_gate_logit[t]) * norm(gated, t), 4);
      expect(g.share).toBeGreaterThan(0);
      expect(g.share).toBeLessThan(1);
    }
  });

  it('sigmoid is the logistic function', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(sigmoid(-40)).toBeGreaterThanOrEqual(0);
  });
});
