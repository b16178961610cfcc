// What lessons say about their own set-ups. The idle-experts lesson opens on a router that spreads
// its sentence over the experts (idleness, not collapse), and its prose about how that seed was
// found holds: checked against the real wasm engine in Node on the lesson's own parameters,
// through the widget's own spec. The surface-features lesson says its task has the answer built
// in and where the evidence about real models comes from.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngineCore, repo } from './wasm-engine';
import { parseLesson } from '../../web/src/lessons/parse';
import type { Embedding } from '../../web/src/engine/types';
import { heatmapSpec } from '../../web/src/widgets/idle-heatmap/spec';
import type { IdleHeatmapParams } from '../../web/src/widgets/idle-heatmap/params';

type Core = import('../../web/src/engine/core').EngineCore;
const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const lessonFile = (id: string) => parseLesson(`lessons/${id}.md`, readFileSync(`${repo}/lessons/${id}.md`, 'utf8'));
const stepProse = (step: { blocks: { kind: string; html?: string }[] }) => step.blocks.map((b) => (b.kind === 'prose' ? b.html : '')).join(' ');
const lesson = lessonFile('idle-experts');
const params = lesson.steps[0].blocks.find((b) => b.kind === 'widget')!.params as IdleHeatmapParams;
const prose = stepProse(lesson.steps[0]);

let core: Core;
let sentence: Embedding;
beforeAll(async () => {
  core = await loadEngineCore();
  sentence = ok(core.embed(params.sentence));
});

/** expert_load [E] of the lesson's sentence through the seeded layer, as the widget asks for it. */
const load = (experts: number, topK: number, seed = params.seed): number[] =>
  Array.from(ok(core.forward(heatmapSpec(8, params.d_ff, experts, topK, seed), sentence.features, sentence.tokens.length)).expert_load);

describe('idle-experts default router', () => {
  it('spreads the sentence at E = 8, top-2: no expert takes more than half the tokens, most are used, some sit idle', () => {
    const T = sentence.tokens.length;
    const l = load(8, 2);
    expect(l.reduce((a, b) => a + b, 0)).toBe(2 * T);
    expect(Math.max(...l)).toBeLessThanOrEqual(T / 2);
    expect(l.filter((n) => n > 0).length).toBeGreaterThanOrEqual(6);
    expect(l.filter((n) => n === 0).length).toBeGreaterThanOrEqual(1);
  });

  it('also spreads at the explore step’s E = 16, top-1: no expert takes more than a quarter of the tokens', () => {
    const l = load(16, 1);
    expect(Math.max(...l)).toBeLessThanOrEqual(sentence.tokens.length / 4);
    expect(l.filter((n) => n === 0).length).toBeGreaterThanOrEqual(4);
  });

  it('states the seed search the engine actually gives: over 1,000 seeds most routers pile the sentence onto one expert', () => {
    const T = sentence.tokens.length;
    const maxLoads = Array.from({ length: 1000 }, (_, seed) => Math.max(...load(8, 2, seed)));
    const atLeast10 = maxLoads.filter((m) => m >= 10).length;
    const allT = maxLoads.filter((m) => m === T).length;
    const atMostHalf = maxLoads.filter((m) => m <= T / 2).length;
    expect(T).toBe(14);
    expect(prose).toContain('of the 14 tokens');
    // "about three seeds in four ... 10 or more", "one in five ... all 14", "a few dozen ... no more than half"
    expect(atLeast10 / 1000).toBeGreaterThan(0.7);
    expect(atLeast10 / 1000).toBeLessThan(0.8);
    expect(allT / 1000).toBeGreaterThan(0.17);
    expect(allT / 1000).toBeLessThan(0.23);
    expect(atMostHalf).toBeGreaterThanOrEqual(24);
    expect(atMostHalf).toBeLessThanOrEqual(60);
    expect(prose).toContain(`Seed ${params.seed} is one of the few dozen`);
  });
});

describe('surface-features says what its experiment can and cannot show', () => {
  const surface = lessonFile('surface-features');
  const first = stepProse(surface.steps[0]);
  const all = surface.steps.map(stepProse).join(' ');

  it('calls the task a controlled experiment whose answer is built in, before the learner trains', () => {
    expect(first).toContain('controlled experiment');
    expect(first).toMatch(/target each token must produce is defined by its surface class/);
    expect(first).toMatch(/answer built\s+in/);
  });

  it('sends the question about real models to the Mixtral and OLMoE papers and to Phase 5', () => {
    for (const text of [first, all]) {
      expect(text).toContain('Mixtral');
      expect(text).toContain('OLMoE');
      expect(text).toContain('Phase 5');
    }
  });
});
