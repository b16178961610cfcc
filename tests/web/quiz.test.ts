// Quizzes: the data files validate, malformed files are rejected with a message naming file and
// place, numeric questions get their answers from the real engine, and the review queue.
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { QuizError, parseQuiz, type QuizQuestion } from '../../web/src/lessons/quiz';
import { loadCourseFrom, loadQuizzesFrom } from '../../web/lesson-plugin';
import { generateNumeric } from '../../web/src/widgets/quiz/numeric';
import { hashSeed } from '../../web/src/widgets/quiz/rng';
import { seededRandom, shuffledOrder } from '../../web/src/widgets/common/seeded-random';
import { LEITNER_WAIT_MS, MATURE_DAYS, dueQuestions, fromLeitner, ratingOf, readQueue, recordAnswer, writeQueue, REVIEW_KEY } from '../../web/src/widgets/quiz/review';
import { Rating, State } from 'ts-fsrs';
import { compactWords } from '../../web/src/widgets/common/numbers';
import { PROGRESS_KEY, emptyProgress, loadProgress, saveProgress, withRecord } from '../../web/src/player/progress';
import type { Progress } from '../../web/src/player/progress';
import { loadEngineCore, repo } from './wasm-engine';

const lessons = path.join(repo, 'lessons');
const { course } = loadCourseFrom(lessons);
const { quizzes } = loadQuizzesFrom(lessons, course);

const reject = (source: string, file = 'lessons/quizzes/bad.yaml') => {
  try {
    parseQuiz(file, source);
  } catch (err) {
    expect(err).toBeInstanceOf(QuizError);
    return (err as QuizError).problems;
  }
  throw new Error('expected the quiz to be rejected');
};

describe('quiz files', () => {
  it('the final quiz has 18 questions (2 asked of the language model) and the check 10, each with exactly one correct option and feedback for every option', () => {
    expect(quizzes['final-quiz'].questions).toHaveLength(18);
    expect(quizzes['final-quiz'].questions.filter((q) => q.kind === 'model').map((q) => q.id)).toEqual(['lm-route-token', 'lm-knockout-domain']);
    expect(quizzes['check'].questions).toHaveLength(10);
    for (const quiz of Object.values(quizzes)) {
      for (const q of quiz.questions) {
        if (q.kind === 'choice') {
          expect(q.options.filter((o) => o.correct), `${quiz.id}/${q.id}`).toHaveLength(1);
          for (const o of q.options) expect(o.feedbackHtml.trim().length, `${quiz.id}/${q.id}`).toBeGreaterThan(0);
        } else {
          expect(Object.keys(q.feedbackHtml).sort()).toContain('correct');
        }
      }
    }
  });

  it('every quiz a lesson places exists', () => {
    const placed = Object.values(course.lessons).flatMap((l) =>
      l.steps.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'widget' && b.name === 'quiz' ? [String(b.params.quiz)] : []))),
    );
    expect(placed.sort()).toEqual(['check', 'final-quiz']);
  });

  it('rejects a question with no correct option or two, naming the file and the question', () => {
    const none = reject(`id: bad\ntitle: Bad\nquestions:\n  - id: q1\n    question: Why?\n    options:\n      - { text: A, feedback: fa }\n      - { text: B, feedback: fb }\n`);
    expect(none).toEqual(['lessons/quizzes/bad.yaml: question 1 ("q1"): options: exactly one option must be correct, found 0']);
    const two = reject(
      `id: bad\ntitle: Bad\nquestions:\n  - id: q1\n    question: Why?\n    options:\n      - { text: A, correct: true, feedback: fa }\n      - { text: B, correct: true, feedback: fb }\n`,
    );
    expect(two).toEqual(['lessons/quizzes/bad.yaml: question 1 ("q1"): options: exactly one option must be correct, found 2']);
  });

  it('rejects an option without feedback, and a numeric question missing feedback for one of its options', () => {
    const missing = reject(`id: bad\ntitle: Bad\nquestions:\n  - id: q1\n    question: Why?\n    options:\n      - { text: A, correct: true }\n      - { text: B, feedback: fb }\n`);
    expect(missing).toEqual(['lessons/quizzes/bad.yaml: question 1 ("q1"): options[0].feedback: missing field']);
    const numeric = reject(
      `id: bad\ntitle: Bad\nquestions:\n  - id: n1\n    generate: { kind: active-from-total, experts: [8], top_k: [2], total_billions: [400], shared_percent: [0] }\n    question: How many?\n    feedback: { correct: yes, total: no, wrong_k: no }\n`,
    );
    expect(numeric).toEqual(['lessons/quizzes/bad.yaml: question 1 ("n1"): feedback.idle: missing feedback for this option']);
  });

  it('rejects an unknown numeric kind, bad YAML, a wrong id and duplicate question ids', () => {
    const kind = reject(`id: bad\ntitle: Bad\nquestions:\n  - id: n1\n    generate: { kind: expert-capacity }\n    question: How many?\n    feedback: { correct: yes }\n`);
    expect(kind[0]).toMatch(/^lessons\/quizzes\/bad.yaml: question 1 \("n1"\): generate.kind: must be one of active-from-total, active-from-shape, capacity/);
    expect(reject('id: [unclosed')[0]).toMatch(/^lessons\/quizzes\/bad.yaml: invalid YAML/);
    const choice = `\n    question: Why?\n    options:\n      - { text: A, correct: true, feedback: fa }\n      - { text: B, feedback: fb }\n`;
    expect(reject(`id: other\ntitle: T\nquestions:\n  - id: q1${choice}`)).toEqual(['lessons/quizzes/bad.yaml: id: must match the file name "bad", got "other"']);
    expect(reject(`id: bad\ntitle: T\nquestions:\n  - id: q1${choice}  - id: q1${choice}`)).toEqual([
      'lessons/quizzes/bad.yaml: question 2 ("q1"): id: duplicate question id "q1"',
    ]);
  });
});

describe('numeric questions against the engine', () => {
  let core: import('../../web/src/engine/core').EngineCore;
  beforeAll(async () => {
    core = await loadEngineCore();
  });
  const numeric = Object.values(quizzes).flatMap((q) => q.questions.filter((x): x is Extract<QuizQuestion, { kind: 'numeric' }> => x.kind === 'numeric'));

  it('the final quiz has one question of each numeric kind', () => {
    expect(numeric.map((q) => q.generate.kind).sort()).toEqual(['active-from-total', 'capacity']);
  });

  it('draws fresh numbers per seed and takes the correct answer from the engine', async () => {
    for (const q of numeric) {
      const seen = new Set<string>();
      for (let seed = 1; seed <= 12; seed++) {
        const r = await generateNumeric(q, seededRandom(hashSeed(q.id, seed)), core);
        if (!r.ok) throw new Error(r.error);
        const { values, options, questionHtml } = r.value;
        seen.add(JSON.stringify(values));
        expect(questionHtml).not.toMatch(/\{\w+\}/);
        expect(options.filter((o) => o.correct)).toHaveLength(1);
        expect(new Set(options.map((o) => o.html)).size).toBe(options.length);
        expect(options.length).toBeGreaterThanOrEqual(3);
        const correct = options.find((o) => o.correct)!;
        const E = Number(values.experts);
        const k = Number(values.k);
        expect(k).toBeLessThan(E);
        let expected: number;
        if (q.generate.kind === 'active-from-total') {
          const total = options.find((o) => o.role === 'total')?.value ?? NaN;
          const shared = values.shared === 'None' ? 0 : Number(values.shared.replace('%', '')) / 100;
          const solved = core.solveActive(total, shared, E, k);
          if (!solved.ok) throw new Error(solved.error);
          expected = solved.value.active_params;
        } else if (q.generate.kind === 'capacity') {
          const c = core.expertCapacity(Number(values.factor), Number(values.tokens), E, k);
          if (!c.ok) throw new Error(c.error);
          expected = c.value;
        } else {
          const c = core.cost({ d_model: Number(values.d_model), d_ff: Number(values.d_ff), num_experts: E, top_k: k, layers: Number(values.layers), expert_kind: 'mlp' });
          if (!c.ok) throw new Error(c.error);
          expected = c.value.active_params;
        }
        expect(correct.value).toBe(expected);
        expect(correct.html).toBe(q.generate.kind === 'capacity' ? `${expected} per expert` : `about ${compactWords(expected)}`);
        for (const o of options) expect(o.feedbackHtml).not.toMatch(/\{\w+\}/);
      }
      expect(seen.size, `${q.id} draws different numbers`).toBeGreaterThan(3);
    }
  });

  it('capacity for factor 1.25, 512 tokens over 8 experts is 80 from the engine', () => {
    const r = core.expertCapacity(1.25, 512, 8, 1);
    expect(r.ok && r.value).toBe(80);
    const bad = core.expertCapacity(1, 8, 4, 5);
    expect(bad.ok ? '' : bad.error).toBe('capacity.top_k: must be between 1 and num_experts (4), got 5');
  });

  it('the 8-expert, top-2, 400B case gives 100B active from the engine', () => {
    const r = core.solveActive(400e9, 0, 8, 2);
    expect(r.ok && r.value.active_params).toBe(100e9);
  });
});

describe('option order', () => {
  it('is a permutation, seeded, and a retake never repeats the previous order', () => {
    for (let seed = 0; seed < 50; seed++) {
      const first = shuffledOrder(4, seededRandom(seed));
      expect([...first].sort()).toEqual([0, 1, 2, 3]);
      expect(shuffledOrder(4, seededRandom(seed))).toEqual(first);
      const again = shuffledOrder(4, seededRandom(seed), first);
      expect(again).not.toEqual(first);
      expect([...again].sort()).toEqual([0, 1, 2, 3]);
    }
  });
});

describe('review queue (FSRS)', () => {
  const day = 24 * 3600 * 1000;
  const memory = () => {
    const store = new Map<string, string>();
    return { store, storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } };
  };

  it('rates a wrong answer Again and a right one Good', () => {
    expect(ratingOf(false)).toBe(Rating.Again);
    expect(ratingOf(true)).toBe(Rating.Good);
  });

  it('a missed question is due on a later visit, not in the visit it was missed', () => {
    const q = recordAnswer([], 'final-quiz', 'router-job', false, 1000, 'visit-a');
    expect(q[0].card).toMatchObject({ reps: 1, state: State.Learning });
    expect(dueQuestions(q, 'final-quiz', 1000, 'visit-a')).toEqual([]);
    expect(dueQuestions(q, 'final-quiz', 2000, 'visit-b')).toEqual(['router-job']);
    expect(dueQuestions(q, 'check', 2000, 'visit-b')).toEqual([]);
  });

  it('right answers wait longer each time until the question is learned; a miss brings it back at once', () => {
    let q = recordAnswer([], 'quiz', 'a', false, 0, 'v1');
    q = recordAnswer(q, 'quiz', 'a', true, day, 'v2');
    const firstWait = q[0].due - day;
    expect(firstWait).toBeGreaterThan(0);
    expect(dueQuestions(q, 'quiz', q[0].due - 1, 'v3')).toEqual([]);
    expect(dueQuestions(q, 'quiz', q[0].due, 'v3')).toEqual(['a']);
    const missed = recordAnswer(q, 'quiz', 'a', false, q[0].due, 'v3');
    expect(missed[0].due).toBe(q[0].due);
    expect(missed[0].card.reps).toBe(3);
    // Right each time it is due: the waits grow, and the question leaves once one reaches MATURE_DAYS.
    const waits = [firstWait];
    for (let visit = 3; q.length > 0 && visit < 20; visit++) {
      const at = q[0].due;
      q = recordAnswer(q, 'quiz', 'a', true, at, `v${visit}`);
      if (q.length) waits.push(q[0].due - at);
    }
    expect(q).toEqual([]);
    expect(waits.length).toBeGreaterThan(1);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]);
    expect(waits.at(-1)!).toBeLessThan(MATURE_DAYS * day);
  });

  it('a right answer to a question never missed changes nothing; storage round-trips and tolerates junk', () => {
    expect(recordAnswer([], 'quiz', 'a', true, 0, 'v')).toEqual([]);
    const { store, storage } = memory();
    const q = recordAnswer([], 'quiz', 'a', false, 5, 'v');
    writeQueue(storage, q);
    expect(readQueue(storage)).toEqual(q);
    store.set(REVIEW_KEY, '{oops');
    expect(readQueue(storage)).toEqual([]);
    store.set(REVIEW_KEY, JSON.stringify({ version: 2, entries: [{ quiz: 'x' }, { ...q[0], card: { due: 'soon' } }, ...q] }));
    expect(readQueue(storage)).toEqual(q);
    store.set(REVIEW_KEY, JSON.stringify({ version: 3, entries: q }));
    expect(readQueue(storage)).toEqual([]);
  });

  it('migrates a queue stored by the Leitner version with nothing lost', () => {
    const { store, storage } = memory();
    // As the Leitner version wrote it: a bare array; box 1 is due the next visit, boxes 2 and 3 after 1 and 3 days.
    const leitner = [
      { quiz: 'final-quiz', question: 'router-job', box: 1, due: 1_700_000_000_000, visit: 'k3j9x2aa' },
      { quiz: 'final-quiz', question: 'aux-loss', box: 2, due: 1_700_000_000_000 + LEITNER_WAIT_MS[1], visit: 'p0q1r2s3' },
      { quiz: 'check', question: 'capacity', box: 3, due: 1_700_100_000_000, visit: 'zz001122' },
      { quiz: 'check', question: 'broken', box: 9, due: 5, visit: 'v' }, // not a Leitner box: unreadable then as now
    ];
    store.set(REVIEW_KEY, JSON.stringify(leitner));
    const migrated = readQueue(storage);
    expect(migrated.map(({ quiz, question, due, visit }) => ({ quiz, question, due, visit }))).toEqual(
      leitner.slice(0, 3).map(({ quiz, question, due, visit }) => ({ quiz, question, due, visit })),
    );
    // The box is the number of answers: one miss, then box − 1 right ones, the last one a box's wait before due.
    expect(migrated.map((e) => e.card.reps)).toEqual([1, 2, 3]);
    expect(migrated.map((e) => e.card.last_review)).toEqual(leitner.slice(0, 3).map((e) => e.due - LEITNER_WAIT_MS[e.box - 1]));
    expect(migrated[2].card.state).toBe(State.Review);
    // The same questions are due at the same moments as before.
    const before = (now: number, quiz: string) => leitner.filter((e) => e.quiz === quiz && e.due <= now && e.box <= 3).map((e) => e.question);
    for (const now of [1_700_000_000_000, 1_700_000_000_000 + LEITNER_WAIT_MS[1], 1_700_100_000_000]) {
      for (const quiz of ['final-quiz', 'check']) expect(dueQuestions(migrated, quiz, now, 'later')).toEqual(before(now, quiz));
    }
    // Written back in this version's format, it reads the same.
    writeQueue(storage, migrated);
    expect(JSON.parse(store.get(REVIEW_KEY)!).version).toBe(2);
    expect(readQueue(storage)).toEqual(migrated);
    expect(fromLeitner({ quiz: 'q', question: 'a', box: 0, due: 1, visit: 'v' })).toBeNull();
  });
});

describe('quiz and design results in progress', () => {
  const memory = () => {
    const store = new Map<string, string>();
    return { store, storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } };
  };
  const quizAttempt = (quiz: string, score: number, total: number) => ({ kind: 'quiz' as const, quiz, score, total });
  const design = { score: 4, total: 6, experts: 4, top_k: 2, link: '#/lesson/design-your-moe', at: 5 };

  it('counts every attempt, keeps the best score of the same length, and replaces the design', () => {
    let p: Progress = emptyProgress();
    p = withRecord(p, quizAttempt('final-quiz', 9, 15));
    expect(p.quizzes?.['final-quiz']).toEqual({ best: 9, total: 15, attempts: 1, last: 9 });
    p = withRecord(p, quizAttempt('final-quiz', 7, 15));
    expect(p.quizzes?.['final-quiz']).toEqual({ best: 9, total: 15, attempts: 2, last: 7 });
    // A quiz that changed length starts its best afresh.
    p = withRecord(p, quizAttempt('final-quiz', 5, 16));
    expect(p.quizzes?.['final-quiz']).toEqual({ best: 5, total: 16, attempts: 3, last: 5 });
    p = withRecord(p, { kind: 'design', design });
    p = withRecord(p, { kind: 'design', design: { ...design, score: 6, at: 9 } });
    expect(p.design).toEqual({ ...design, score: 6, at: 9 });
  });

  it('keeps results when another tab saves progress it loaded before them', () => {
    const { storage } = memory();
    const loadedEarlier = { ...emptyProgress(), last: { lessonId: 'final-quiz', hash: '#/lesson/final-quiz' } };
    saveProgress(storage, withRecord(withRecord(loadedEarlier, quizAttempt('final-quiz', 9, 15)), { kind: 'design', design }));
    saveProgress(storage, loadedEarlier); // the other tab's store saving what it loaded earlier
    const after = loadProgress(storage);
    expect(after.quizzes?.['final-quiz']).toEqual({ best: 9, total: 15, attempts: 1, last: 9 });
    expect(after.design?.score).toBe(4);
    expect(after.version).toBe(1);
  });

  it('a reset (saving empty progress) drops the results; junk results are ignored', () => {
    const { store, storage } = memory();
    saveProgress(storage, withRecord({ ...emptyProgress(), last: { lessonId: 'x', hash: '#/lesson/x' } }, quizAttempt('check', 10, 10)));
    expect(loadProgress(storage).quizzes?.check?.best).toBe(10);
    saveProgress(storage, emptyProgress());
    expect(loadProgress(storage).quizzes).toBeUndefined();
    store.set(PROGRESS_KEY, JSON.stringify({ ...emptyProgress(), quizzes: { a: { best: 20, total: 10, attempts: 1, last: 1 } }, design: { score: 'x' } }));
    expect(loadProgress(storage)).toEqual(emptyProgress());
  });

  it('reach the store only through score(): the goal is recorded once, every attempt counts', async () => {
    const { ProgressStore } = await import('../../web/src/player/progress-store.svelte');
    const store = new ProgressStore();
    store.goal('final-quiz', 'quiz-done', quizAttempt('final-quiz', 11, 15));
    store.goal('final-quiz', 'quiz-done', quizAttempt('final-quiz', 13, 15));
    store.goal('design-your-moe', 'design-checked', { kind: 'design', design });
    expect(store.lesson('final-quiz').goals).toEqual(['quiz-done']);
    expect(store.results.quizzes?.['final-quiz']).toEqual({ best: 13, total: 15, attempts: 2, last: 13 });
    expect(store.results.design).toEqual(design);
  });
});
