// Lessons that were split or renamed, and how old progress and old links map
// onto the new ones. Frozen data: an entry describes a lesson file that no
// longer exists, so it never changes after it is written.
// Types only from progress.ts: progress.ts calls migrateProgress, so no value import back.
import type { LessonProgress, Progress } from './progress';
import { lessonHash, parseHash } from './route';

interface Retired {
  /** The new lessons, in path order, with their step ids in order. */
  into: { lessonId: string; steps: string[] }[];
  /** Each old step id → the lesson that now holds it (step and check ids were kept). */
  steps: Record<string, string>;
  /** The old lesson's steps in order, to translate "steps reached". */
  oldOrder: string[];
  /** Widget goals the old lesson recorded → the lesson that now records them. */
  goals: Record<string, string>;
}

export const retiredLessons: Record<string, Retired> = {
  // Phase 2 was one 25-minute lesson; it is now five.
  'walk-one-token': {
    into: [
      { lessonId: 'pick-and-predict', steps: ['pick-token', 'predict', 'guess-gates'] },
      { lessonId: 'gating-logits', steps: ['embedding', 'logits'] },
      { lessonId: 'top2-cut', steps: ['softmax', 'top2', 'discarded-mass', 'gates'] },
      { lessonId: 'silent-experts', steps: ['experts', 'active-vs-total'] },
      { lessonId: 'weighted-sum', steps: ['combine', 'recap'] },
    ],
    steps: {
      'pick-token': 'pick-and-predict',
      embedding: 'gating-logits',
      predict: 'pick-and-predict',
      logits: 'gating-logits',
      softmax: 'top2-cut',
      top2: 'top2-cut',
      gates: 'top2-cut',
      experts: 'silent-experts',
      combine: 'weighted-sum',
    },
    oldOrder: ['pick-token', 'embedding', 'predict', 'logits', 'softmax', 'top2', 'gates', 'experts', 'combine'],
    goals: { 'predicted-top2': 'pick-and-predict' },
  },
};

const emptyLessonProgress = (): LessonProgress => ({ reached: 1, answers: {}, solved: [], goals: [], completed: false });

function merge(into: LessonProgress, from: LessonProgress): void {
  into.reached = Math.max(into.reached, from.reached);
  for (const [k, v] of Object.entries(from.answers)) if (!(k in into.answers)) into.answers[k] = v;
  for (const id of from.solved) if (!into.solved.includes(id)) into.solved.push(id);
  for (const g of from.goals) if (!into.goals.includes(g)) into.goals.push(g);
  into.completed ||= from.completed;
}

/** The new lessons' share of one retired lesson's progress. */
function splitProgress(old: LessonProgress, retired: Retired): Record<string, LessonProgress> {
  const out: Record<string, LessonProgress> = {};
  const opened = new Set(retired.oldOrder.slice(0, old.reached));
  for (const { lessonId, steps } of retired.into) {
    const mine = emptyLessonProgress();
    // Steps open up to the last one the learner had opened in the old lesson.
    steps.forEach((step, i) => {
      if (opened.has(step)) mine.reached = Math.max(mine.reached, i + 1);
    });
    for (const [checkId, option] of Object.entries(old.answers)) {
      if (retired.steps[checkId.replace(/-\d+$/, '')] === lessonId) mine.answers[checkId] = option;
    }
    mine.solved = old.solved.filter((id) => retired.steps[id.replace(/-\d+$/, '')] === lessonId);
    mine.goals = old.goals.filter((g) => retired.goals[g] === lessonId);
    mine.completed = old.completed;
    if (old.completed) mine.reached = steps.length;
    out[lessonId] = mine;
  }
  return out;
}

/** Where an old link now points: `#/lesson/walk-one-token/logits?token=4` → `#/lesson/gating-logits/logits?token=4`. */
export function migrateHash(hash: string): string | null {
  const route = parseHash(hash);
  if (route.page !== 'lesson') return null;
  const retired = retiredLessons[route.lessonId];
  if (!retired) return null;
  const target = route.stepId ? retired.steps[route.stepId] : undefined;
  return lessonHash(target ?? retired.into[0].lessonId, target ? route.stepId : null, route.query);
}

/** Moves progress of retired lessons onto the lessons that replaced them. Pure: returns a new object. */
export function migrateProgress(progress: Progress): Progress {
  const out: Progress = { ...progress, lessons: { ...progress.lessons } };
  for (const [oldId, retired] of Object.entries(retiredLessons)) {
    const old = out.lessons[oldId];
    if (!old) continue;
    delete out.lessons[oldId];
    for (const [newId, share] of Object.entries(splitProgress(old, retired))) {
      const existing = out.lessons[newId];
      if (existing) {
        const copy = structuredClone(existing);
        merge(copy, share);
        out.lessons[newId] = copy;
      } else out.lessons[newId] = share;
    }
  }
  if (out.last) {
    const moved = migrateHash(out.last.hash);
    if (moved) {
      const route = parseHash(moved);
      out.last = { lessonId: route.page === 'lesson' ? route.lessonId : out.last.lessonId, hash: moved };
    }
  }
  return out;
}
