// "Ask this lesson" ranking, measured on realistic learner questions (tests/web/ask-questions.yaml):
// the share answered from the right lesson step, the share of off-topic questions declined, and
// how long answers take over the whole set. The index is built from whatever lessons exist, exactly
// as the build does (web/lesson-plugin.ts → buildAskData), and goes through JSON as when shipped.
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { lessonsPlugin, loadCourseFrom } from '../../web/lesson-plugin';
import { buildAskData } from '../../web/src/ask/index-data';
import type { AskData } from '../../web/src/ask/index-data';
import { createAsker } from '../../web/src/ask/ask';
import type { Answer, Asker } from '../../web/src/ask/ask';
import type { Passage } from '../../web/src/ask/passages';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

interface Question {
  lesson: string;
  q: string;
  cite?: string[];
}
const questionSet = parse(fs.readFileSync(root('tests/web/ask-questions.yaml'), 'utf8')) as {
  questions: Question[];
  offtopic: Question[];
  heldout: Question[];
  heldout_offtopic: Question[];
};

/** The goals of the issue: answered from the right step ≥ 85 %, off-topic declined ≥ 90 %, < 100 ms each. */
const GOALS = { answered: 0.85, declined: 0.9, msPerQuestion: 100 }; // the time goal is reported, not asserted

const source = (p: Passage) => (p.kind === 'glossary' ? `glossary:${p.term}` : `${p.lesson}/${p.step}`);
const sources = (a: Answer) => (a.kind === 'quotes' ? a.quotes.map((q) => source(q.passage)) : []);

let data: AskData;
let asker: Asker;
const { course } = loadCourseFrom(root('lessons'));

beforeAll(() => {
  data = JSON.parse(JSON.stringify(buildAskData(course))) as AskData;
  asker = createAsker(data);
});

describe('the question set', () => {
  it('has at least 40 questions and 10 off-topic ones, each citing a step that exists', () => {
    expect(questionSet.questions.length).toBeGreaterThanOrEqual(40);
    expect(questionSet.offtopic.length).toBeGreaterThanOrEqual(10);
    const known = new Set(data.passages.map(source));
    for (const q of [...questionSet.questions, ...questionSet.offtopic]) {
      expect(course.lessons[q.lesson], `${q.q}: lesson "${q.lesson}"`).toBeDefined();
    }
    for (const q of questionSet.questions) {
      // At least one listed source must exist; sources in lessons still being written may not yet.
      expect(
        q.cite!.some((c) => known.has(c)),
        `${q.q}: none of ${q.cite!.join(', ')} is a passage source`,
      ).toBe(true);
    }
  });
});

describe('answer rate, decline rate and latency', () => {
  it('meets the goals over the whole set', () => {
    const misses: string[] = [];
    let answered = 0;
    let firstRight = 0;
    const times: number[] = [];
    // Warm up once (JIT), as a page does on its first question.
    asker.ask('warm up the router softmax', 'dense-cost');
    for (const q of questionSet.questions) {
      const t0 = performance.now();
      const a = asker.ask(q.q, q.lesson);
      times.push(performance.now() - t0);
      const got = sources(a);
      if (got.some((s) => q.cite!.includes(s))) answered += 1;
      else misses.push(`  missed: "${q.q}" (from ${q.lesson}) → ${a.kind}: ${got.join(' | ') || '-'}`);
      if (got.length > 0 && q.cite!.includes(got[0])) firstRight += 1;
    }
    let declined = 0;
    for (const q of questionSet.offtopic) {
      const t0 = performance.now();
      const a = asker.ask(q.q, q.lesson);
      times.push(performance.now() - t0);
      if (a.kind === 'not-covered') declined += 1;
      else misses.push(`  answered off-topic: "${q.q}" → ${sources(a).join(' | ')}`);
    }
    const total = times.reduce((s, t) => s + t, 0);
    const sorted = [...times].sort((x, y) => x - y);
    const answerRate = answered / questionSet.questions.length;
    const declineRate = declined / questionSet.offtopic.length;
    console.log(
      [
        `ask: ${data.passages.length} passages from ${Object.keys(course.lessons).length} lessons and the glossary`,
        `ask: answered from the right step ${answered}/${questionSet.questions.length} = ${(answerRate * 100).toFixed(1)}% (goal ${GOALS.answered * 100}%); first quote right ${firstRight}`,
        `ask: off-topic declined ${declined}/${questionSet.offtopic.length} = ${(declineRate * 100).toFixed(1)}% (goal ${GOALS.declined * 100}%)`,
        `ask: latency over ${times.length} questions: total ${total.toFixed(1)} ms, median ${sorted[sorted.length >> 1].toFixed(2)} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms`,
        ...misses,
      ].join('\n'),
    );
    expect(answerRate).toBeGreaterThanOrEqual(GOALS.answered);
    expect(declineRate).toBeGreaterThanOrEqual(GOALS.declined);
    // Latency is reported above against its goal, not asserted: tests assert no wall-clock times.
  });

  it('reports the held-out questions (written after the ranking; looked at once when Phase 5 was indexed, see tuning in ask.ts)', () => {
    let answered = 0;
    const misses: string[] = [];
    for (const q of questionSet.heldout) {
      const a = asker.ask(q.q, q.lesson);
      if (sources(a).some((s) => q.cite!.includes(s))) answered += 1;
      else misses.push(`  held-out missed: "${q.q}" → ${a.kind}: ${sources(a).join(' | ') || '-'}`);
    }
    let declined = 0;
    for (const q of questionSet.heldout_offtopic) {
      const a = asker.ask(q.q, q.lesson);
      if (a.kind === 'not-covered') declined += 1;
      else misses.push(`  held-out answered off-topic: "${q.q}" → ${sources(a).join(' | ')}`);
    }
    console.log(
      [
        `ask: held out: answered from the right step ${answered}/${questionSet.heldout.length}; off-topic declined ${declined}/${questionSet.heldout_offtopic.length}`,
        ...misses,
      ].join('\n'),
    );
    // Not held to the goals (too few to be a measurement), only to clearly working.
    expect(answered / questionSet.heldout.length).toBeGreaterThanOrEqual(0.7);
    expect(declined / questionSet.heldout_offtopic.length).toBeGreaterThanOrEqual(0.6);
  });

  it('loads the shipped index quickly', () => {
    const json = JSON.stringify(data);
    const t0 = performance.now();
    createAsker(JSON.parse(json) as AskData);
    const ms = performance.now() - t0;
    console.log(`ask: index ${(json.length / 1024).toFixed(0)} KiB as JSON, parsed and loaded in ${ms.toFixed(1)} ms`);
    expect(data.passages.length).toBeGreaterThan(100);
  });
});

describe('the shipped index', () => {
  it('is served by the lesson plugin as virtual:ask-index and answers after loading', () => {
    const plugin = lessonsPlugin({ lessonsDir: root('lessons') });
    const resolveId = plugin.resolveId as (id: string) => string | undefined;
    const load = plugin.load as (this: unknown, id: string) => string | undefined;
    const id = resolveId.call({}, 'virtual:ask-index');
    expect(id).toBe('\0virtual:ask-index');
    const code = load.call({ addWatchFile() {}, error: (m: string) => { throw new Error(m); } }, id!);
    // The module's default export, whichever form the plugin writes it in (a literal or JSON.parse of a string).
    const shipped = new Function(code!.replace(/^export default /, 'return '))() as AskData;
    expect(shipped.passages.length).toBe(data.passages.length);
    expect(createAsker(shipped).ask('What is a gate?', null).kind).toBe('quotes');
  });
});

describe('ranking', () => {
  it('prefers the lesson being read when it covers the question', () => {
    // Both dense-cost and silent-experts explain total against active parameters.
    const q = 'What is the difference between total and active parameters?';
    const fromSilent = asker.ask(q, 'silent-experts');
    const fromDense = asker.ask(q, 'dense-cost');
    expect(fromSilent.kind).toBe('quotes');
    expect(fromDense.kind).toBe('quotes');
    if (fromSilent.kind !== 'quotes' || fromDense.kind !== 'quotes') return;
    expect(fromSilent.quotes[0].passage.lesson).toBe('silent-experts');
    expect(fromSilent.quotes[0].from).toBe('this-lesson');
    expect(fromDense.quotes[0].passage.lesson).toBe('dense-cost');
  });

  it('orders quotes: this lesson, then the rest of the course, then the glossary', () => {
    const order = { 'this-lesson': 0, course: 1, glossary: 2 };
    for (const q of questionSet.questions) {
      const a = asker.ask(q.q, q.lesson);
      if (a.kind !== 'quotes') continue;
      const ranks = a.quotes.map((x) => order[x.from]);
      expect(ranks, q.q).toEqual([...ranks].sort((x, y) => x - y));
      expect(a.quotes.length).toBeLessThanOrEqual(3);
    }
  });

  it('links every lesson quote to its step and marks the words that matched', () => {
    const a = asker.ask('How are ties between two experts broken?', 'top2-cut');
    expect(a.kind).toBe('quotes');
    if (a.kind !== 'quotes') return;
    const top = a.quotes[0];
    expect(top.href).toBe('#/lesson/top2-cut/top2');
    const marked = top.parts.filter((p) => p.mark).map((p) => p.text.toLowerCase());
    expect(marked).toContain('tie');
    expect(top.parts.map((p) => p.text).join('')).toBe(top.passage.text);
  });

  it('finds words through spelling variants, plurals and small typos', () => {
    for (const q of ['renormalization of gates', 'what does renormalising do', 'sofmax probabilities']) {
      const a = asker.ask(q, 'weighted-sum');
      expect(a.kind, q).toBe('quotes');
    }
  });

  it('declines plainly and suggests the closest lessons', () => {
    const a = asker.ask('What is the capital of France?', 'dense-cost');
    expect(a.kind).toBe('not-covered');
    if (a.kind !== 'not-covered') return;
    expect(a.suggestions.length).toBeGreaterThan(0);
    for (const s of a.suggestions) {
      expect(course.lessons[s.id]).toBeDefined();
      expect(s.href).toBe(`#/lesson/${s.id}`);
    }
  });

  it('gives an empty answer for blank input and declines input with no searchable words', () => {
    expect(asker.ask('', 'dense-cost').kind).toBe('empty');
    expect(asker.ask('   \n\t ', 'dense-cost').kind).toBe('empty');
    expect(asker.ask('?!? … ---', 'dense-cost').kind).toBe('not-covered');
    expect(asker.ask('what is the', 'dense-cost').kind).toBe('not-covered');
  });
});

describe('hostile questions', () => {
  it('caps very long text, says so, and still answers (the test timeout guards against a hang)', () => {
    const long = `Why are the losing experts not run? ${'expert router softmax '.repeat(20_000)}`;
    const a = asker.ask(long, 'top2-cut');
    expect(a.kind).not.toBe('empty');
    if (a.kind === 'empty') return;
    expect(a.truncated).toBe(true);
    expect(Array.from(a.question).length).toBe(300);
  });

  it('never cuts a character in half', () => {
    const a = asker.ask('🙂'.repeat(400), 'dense-cost');
    expect(a.kind).not.toBe('empty');
    if (a.kind === 'empty') return;
    expect(a.question).toBe('🙂'.repeat(300));
  });

  it('treats markup as words, never as markup', () => {
    const q = '<img src=x onerror="alert(1)"><script>alert(2)</script> what does the router do?';
    // Since Phase 5 the best passage must hold two thirds of the question's words, and the markup's
    // own words (img, src, onerror, alert, script) count: this question is declined, and a
    // question where the markup is a small part is answered. Neither turns markup into markup.
    const a = asker.ask(q, 'router-is-linear');
    expect(a.kind).toBe('not-covered');
    if (a.kind !== 'not-covered') return;
    expect(a.question).toBe(q); // kept as text; the box renders it with {text}, never {@html}
    const b = asker.ask('What does the <b>router</b> compute <script>x</script> for each token in the router layer?', 'router-is-linear');
    expect(b.kind).toBe('quotes');
    if (b.kind !== 'quotes') return;
    for (const quote of b.quotes) for (const part of quote.parts) expect(part.text).not.toMatch(/<script|<b>/);
  });

  it('handles other scripts, right-to-left text and control characters without failing', () => {
    for (const q of ['ما هو الموجه؟', 'מהו מומחה?', '路由器是什么？', 'router\u202e\u0000\u200b softmax', 'ＳＯＦＴＭＡＸ']) {
      const a = asker.ask(q, 'top2-cut');
      expect(['quotes', 'not-covered']).toContain(a.kind);
    }
    // Off-topic in another script: declined, not matched by accident.
    expect(asker.ask('ما هو الموجه؟', 'top2-cut').kind).toBe('not-covered');
  });

  it('survives input that is not a string', () => {
    expect(asker.ask(undefined as unknown as string, 'dense-cost').kind).toBe('empty');
  });
});
