// The pure logic behind the Phase 5 comparison and knock-out widgets and the final quiz's model
// questions: reading a training log (the committed ones and broken ones), pairing two
// evaluations, the knock-out options, the text check, and a model question drawn over a fake
// engine whose answers are known.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LmEvaluation, LmLosses } from '../../web/src/engine/lm-types';
import { parseQuiz } from '../../web/src/lessons/quiz';
import { largestRise, lossRows, tally } from '../../web/src/widgets/lm-compare/compare';
import { checkEvalText } from '../../web/src/widgets/lm-compare/own-text';
import { finalGaps, parseTrainingLog } from '../../web/src/widgets/lm-compare/training-log';
import { describeKnockout, firstDifference, knockoutOptions } from '../../web/src/widgets/lm-knockout/knockout';
import { generateModelQuestion } from '../../web/src/widgets/quiz/model-questions';
import type { ModelQuestionContext } from '../../web/src/widgets/quiz/model-questions';
import { seededRandom } from '../../web/src/widgets/common/seeded-random';
import { repo } from './wasm-engine';

const logText = (name: string) => readFileSync(path.join(repo, 'web/public/models', name, 'training_log.json'), 'utf8');

describe('training logs', () => {
  it('the committed logs read: the recipe, every logged point, the parameter counts', () => {
    for (const name of ['moe-lm', 'dense-lm']) {
      const raw = JSON.parse(logText(name));
      const r = parseTrainingLog(logText(name));
      if (!r.ok) throw new Error(r.error);
      const c = r.value;
      expect(c.domains).toEqual(raw.recipe.domains);
      expect(c.steps).toEqual(raw.heldout.map((p: { step: number }) => p.step));
      expect(c.tokensPerStep).toBe(raw.recipe.batch * raw.recipe.seq_len);
      expect(c.loss[0][c.loss[0].length - 1]).toBe(raw.heldout[raw.heldout.length - 1].heldout[c.domains[0]]);
      expect(c.activeParams).toBe(raw.active_params);
    }
    const moe = parseTrainingLog(logText('moe-lm'));
    const dense = parseTrainingLog(logText('dense-lm'));
    if (!moe.ok || !dense.ok) throw new Error('unreadable');
    const gaps = finalGaps(moe.value, dense.value);
    expect(gaps.map((g) => g.domain)).toEqual(moe.value.domains);
    for (const g of gaps) expect(g.gap).toBeCloseTo(g.a - g.b, 12);
  });

  it('a broken log names what is wrong', () => {
    const good = JSON.parse(logText('moe-lm'));
    const bad = (patch: (log: Record<string, unknown>) => void) => {
      const log = structuredClone(good);
      patch(log);
      const r = parseTrainingLog(JSON.stringify(log));
      return r.ok ? '(no error)' : r.error;
    };
    expect(parseTrainingLog('{').ok).toBe(false);
    expect(bad((l) => delete l.recipe)).toBe('training_log.recipe: missing');
    expect(bad((l) => ((l.recipe as Record<string, unknown>).batch = 0))).toBe('training_log.recipe.batch: must be a whole number > 0');
    expect(bad((l) => ((l.heldout as { step: number }[])[1].step = 1))).toBe('training_log.heldout[1].step: steps must increase');
    expect(bad((l) => ((l.heldout as { heldout: Record<string, unknown> }[])[0].heldout.code = 'x'))).toBe('training_log.heldout[0].heldout.code: must be a finite number');
  });
});

const losses = (pairs: [string, number, number][]): LmLosses => ({ domains: pairs.map(([name, loss, tokens]) => ({ name, loss, tokens })), loss: 0 });

describe('comparing two evaluations', () => {
  it('pairs texts by name, counts wins, and finds the largest rise', () => {
    const rows = lossRows(
      losses([
        ['prose', 3.1, 100],
        ['code', 3.7, 100],
        ['arithmetic', 1.5, 50],
      ]),
      losses([
        ['arithmetic', 1.5, 50],
        ['prose', 3.2, 100],
        ['code', 3.6, 100],
      ]),
    );
    expect(rows.map((r) => [r.name, +r.diff.toFixed(6)])).toEqual([
      ['prose', -0.1],
      ['code', 0.1],
      ['arithmetic', 0],
    ]);
    expect(tally(rows)).toEqual({ wins: 1, losses: 1, ties: 1 });
    expect(largestRise(rows)?.name).toBe('code');
    expect(largestRise(rows.filter((r) => r.diff <= 0))).toBeNull();
  });

  it('refuses to pair runs that read different text', () => {
    expect(() => lossRows(losses([['prose', 3, 100]]), losses([['prose', 3, 99]]))).toThrow('prose: 100 tokens against 99; the two runs read different text');
  });
});

describe('knock-out options and the text check', () => {
  it('builds the engine options and names the knock-out', () => {
    expect(knockoutOptions({ mode: 'expert', layer: null, expert: 3 })).toEqual({ experts_off: [3] });
    expect(knockoutOptions({ mode: 'expert', layer: 1, expert: 5 })).toEqual({ experts_off: [[1, 5]] });
    expect(knockoutOptions({ mode: 'top1', layer: 2, expert: 5 })).toEqual({ mask_top_ranks: 1 });
    expect(describeKnockout({ mode: 'expert', layer: 1, expert: 5 })).toBe('expert 5 switched off in layer 2');
    expect(describeKnockout({ mode: 'expert', layer: null, expert: 0 })).toBe('expert 0 switched off in every layer');
    expect(firstDifference([1, 2, 3], [1, 2, 4])).toBe(2);
    expect(firstDifference([1, 2], [1, 2])).toBe(2);
  });

  it('an empty box, 100,000 characters, controls and mixed scripts', () => {
    expect(checkEvalText('  \n ')).toEqual({ ok: false, message: 'Type some text first.' });
    expect(checkEvalText('x'.repeat(100_000))).toEqual({ ok: false, message: 'This text is 100,000 characters long; this box takes at most 20,000. Shorten it and try again.' });
    // Emoji count as one character each, as a person counts them.
    expect(checkEvalText('🙂'.repeat(20_000)).ok).toBe(true);
    const odd = 'a\u0000b\u0007c Ελληνικά 中文 עברית';
    expect(checkEvalText(odd)).toEqual({ ok: true, text: odd });
  });
});

describe('final quiz: model questions over a fake engine', () => {
  const quiz = parseQuiz(
    'lessons/quizzes/q.yaml',
    `id: q
title: Q
questions:
  - id: route
    model: { kind: lm-route, folder: models/m/, layers: [2], context: 3 }
    question: "Layer {layer}: which expert for {piece} after {context}?"
    feedback: { correct: "yes {option_expert}", second: "second {option_expert} {option_prob}", third: "third", last: "last {option_expert}" }
  - id: knock
    model: { kind: lm-knockout, folder: models/m/, experts: [1], max_tokens: 64 }
    question: "Expert {expert} off: which domain?"
    feedback: { correct: "yes {option_domain} {option_rise}", middle: "mid", least: "least {option_domain}" }
`,
  );
  const info = { id: 7, num_hidden_layers: 2, num_local_experts: 4 } as never;
  // Layer 2's router probabilities for the last token: expert 2 first, then 0, 3, 1.
  const probs = [0.3, 0.05, 0.5, 0.15];
  const ctx = (fail = false): ModelQuestionContext => ({
    lmTokenize: (_id, text) => ({ ok: true, value: { ids: Int32Array.from(Array.from(text, (_, i) => i % 10)), pieces: Array.from(text) } }),
    lmTrace: (_id, ids) => {
      const T = ids.length;
      const router_probs = new Float32Array(2 * T * 4);
      router_probs.set(probs, (1 * T + T - 1) * 4);
      const topk_ids = new Int32Array(2 * T * 2);
      topk_ids.set([2, 0], (1 * T + T - 1) * 2);
      return { ok: true, value: { routing: { tokens: T, layers: 2, experts: 4, top_k: 2, router_probs, topk_ids, router_logits: new Float32Array(), topk_weights: new Float32Array() }, nll: new Float32Array(), loss: 0, aux_loss: 0 } };
    },
    lmEval: (_id, texts, options): { ok: true; value: LmEvaluation } => {
      const off = options?.experts_off?.length ? [0.5, 0.1, 0.05] : [0, 0, 0];
      return { ok: true, value: { ...losses(texts.map((t, i) => [t.name, 2 + off[i], 64])), context: 128 } };
    },
    model: async () => (fail ? { ok: false, error: 'model.safetensors: HTTP 503' } : { ok: true, value: info }),
    heldout: async () => ({
      ok: true,
      value: [
        { name: 'prose', text: 'a'.repeat(500) },
        { name: 'code', text: 'b'.repeat(500) },
        { name: 'arithmetic', text: 'c'.repeat(500) },
      ],
    }),
  });

  it("lm-route: the router's first choice is the right option, the others its 2nd, 3rd and last, each with its own feedback", async () => {
    const q = quiz.questions[0];
    if (q.kind !== 'model') throw new Error('not a model question');
    const r = await generateModelQuestion(q, seededRandom(1), ctx());
    if (!r.ok) throw new Error(r.error);
    expect(r.value.options.map((o) => [o.html, o.correct, o.feedbackHtml])).toEqual([
      ['expert 2', true, expect.stringContaining('yes 2')],
      ['expert 0', false, expect.stringContaining('second 0 30.0%')],
      ['expert 3', false, expect.stringContaining('third')],
      ['expert 1', false, expect.stringContaining('last 1')],
    ]);
    expect(r.value.values.layer).toBe('2');
    expect(r.value.values.ids.split(',')).toHaveLength(4);
  });

  it('lm-knockout: the domain whose loss rose most is right; a model that cannot load says why', async () => {
    const q = quiz.questions[1];
    if (q.kind !== 'model') throw new Error('not a model question');
    const r = await generateModelQuestion(q, seededRandom(2), ctx());
    if (!r.ok) throw new Error(r.error);
    expect(r.value.options.map((o) => [o.html, o.correct])).toEqual([
      ['prose', true],
      ['code', false],
      ['arithmetic', false],
    ]);
    expect(r.value.options[0].feedbackHtml).toContain('yes prose +0.500');
    const failed = await generateModelQuestion(q, seededRandom(2), ctx(true));
    expect(failed).toEqual({ ok: false, error: 'The language model could not be loaded, so this question cannot be asked: model.safetensors: HTTP 503' });
  });
});
