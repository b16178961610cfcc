// What the learner has done, as plain data: steps reached, answers given,
// widget goals met, lessons finished, and where they left off. Stored in
// localStorage under a versioned key; anything unreadable starts fresh.
// Progress of lessons that were split or renamed moves to their successors
// as it is read (legacy.ts).
import { migrateProgress } from './legacy';

export const PROGRESS_KEY = 'moe-tutor:progress';
export const PROGRESS_VERSION = 1;

export interface LessonProgress {
  /** How many steps have been opened (steps are revealed in order). */
  reached: number;
  /** Check id → index of the option last chosen. */
  answers: Record<string, number>;
  /** Check ids answered correctly at least once (a later wrong try does not undo it). */
  solved: string[];
  /** Goals widgets have declared met, e.g. "predicted-top2". */
  goals: string[];
  completed: boolean;
}

export interface Progress {
  version: typeof PROGRESS_VERSION;
  lessons: Record<string, LessonProgress>;
  /** The last place visited, as a hash route, for "Continue where you left off". */
  last: { lessonId: string; hash: string } | null;
  /**
   * Quiz results by quiz id. Optional, so version-1 data without it stays valid (no migration
   * needed). The quiz widget hands each attempt to score() with its goal (withRecord).
   */
  quizzes?: Record<string, QuizResult>;
  /** The learner's last checked MoE design (lesson design-your-moe), recorded with its goal (withRecord). */
  design?: DesignResult;
}

export interface QuizResult {
  /** Best score over all attempts, and the number of questions it was out of. */
  best: number;
  total: number;
  /** Finished attempts. */
  attempts: number;
  /** Score of the latest finished attempt. */
  last: number;
}

export interface DesignResult {
  /** Probe tokens predicted right, of `total`. */
  score: number;
  total: number;
  experts: number;
  top_k: number;
  /** The design as a shareable hash link. */
  link: string;
  /** When it was checked (ms since epoch); the newest design wins a merge. */
  at: number;
}

export function emptyProgress(): Progress {
  return { version: PROGRESS_VERSION, lessons: {}, last: null };
}

export function emptyLessonProgress(): LessonProgress {
  return { reached: 1, answers: {}, solved: [], goals: [], completed: false };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

function readLesson(raw: unknown): LessonProgress | null {
  if (!isRecord(raw)) return null;
  const answers: Record<string, number> = {};
  if (isRecord(raw.answers)) {
    for (const [k, v] of Object.entries(raw.answers)) if (Number.isInteger(v)) answers[k] = v as number;
  }
  return {
    reached: Number.isInteger(raw.reached) && (raw.reached as number) >= 1 ? (raw.reached as number) : 1,
    answers,
    solved: strings(raw.solved),
    goals: strings(raw.goals),
    completed: raw.completed === true,
  };
}

/** Reads stored progress (migrated to the current lessons); corrupt JSON, an unknown version or odd fields give a fresh start, never a throw. */
export function parseProgress(json: string | null): Progress {
  if (!json) return emptyProgress();
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return emptyProgress();
  }
  if (!isRecord(raw) || raw.version !== PROGRESS_VERSION || !isRecord(raw.lessons)) return emptyProgress();
  const progress = emptyProgress();
  for (const [id, lesson] of Object.entries(raw.lessons)) {
    const read = readLesson(lesson);
    if (read) progress.lessons[id] = read;
  }
  const last = raw.last;
  if (isRecord(last) && typeof last.lessonId === 'string' && typeof last.hash === 'string' && last.hash.startsWith('#/')) {
    progress.last = { lessonId: last.lessonId, hash: last.hash };
  }
  const quizzes = readQuizzes(raw.quizzes);
  if (quizzes) progress.quizzes = quizzes;
  const design = readDesign(raw.design);
  if (design) progress.design = design;
  return migrateProgress(progress);
}

const whole = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function readQuizzes(raw: unknown): Record<string, QuizResult> | undefined {
  if (!isRecord(raw)) return undefined;
  const out: Record<string, QuizResult> = {};
  for (const [id, r] of Object.entries(raw)) {
    if (isRecord(r) && whole(r.best) && whole(r.total) && whole(r.attempts) && whole(r.last) && r.best <= r.total && r.last <= r.total) {
      out[id] = { best: r.best, total: r.total, attempts: r.attempts, last: r.last };
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function readDesign(raw: unknown): DesignResult | undefined {
  if (!isRecord(raw)) return undefined;
  const { score, total, experts, top_k, link, at } = raw;
  if (!whole(score) || !whole(total) || score > total || !whole(experts) || !whole(top_k) || !whole(at)) return undefined;
  if (typeof link !== 'string' || !link.startsWith('#/')) return undefined;
  return { score, total, experts, top_k, link, at };
}

/**
 * Quiz and design results kept in storage survive a save of progress that does not carry them
 * (another tab's store holds the progress it loaded before this tab recorded a result):
 * best scores merge by maximum, the newer design wins. Saving fresh, empty progress (a reset)
 * drops them.
 */
function withResults(progress: Progress, stored: Progress): Progress {
  const isReset = Object.keys(progress.lessons).length === 0 && progress.last === null;
  if (isReset) return progress;
  const out: Progress = { ...progress };
  const quizzes: Record<string, QuizResult> = { ...(stored.quizzes ?? {}) };
  for (const [id, r] of Object.entries(progress.quizzes ?? {})) {
    const s = quizzes[id];
    quizzes[id] = s ? (r.attempts >= s.attempts ? { ...r, best: Math.max(r.best, s.best) } : { ...s, best: Math.max(r.best, s.best) }) : r;
  }
  if (Object.keys(quizzes).length) out.quizzes = quizzes;
  const design = [progress.design, stored.design].filter((d): d is DesignResult => !!d).sort((a, b) => b.at - a.at)[0];
  if (design) out.design = design;
  return out;
}

/**
 * What a widget may hand the player with a goal (`score('quiz-done', { kind: 'quiz', ... })`):
 * a finished quiz attempt, or a checked design. The player's store records it with the goal.
 */
export type GoalRecord = { kind: 'quiz'; quiz: string; score: number; total: number } | { kind: 'design'; design: DesignResult };

/** The results a widget may read back (the quiz's best so far); written only through score(). */
export type RecordedResults = Pick<Progress, 'quizzes' | 'design'>;

/** Progress with `record` added: a quiz attempt counts and keeps the best score of the same length; a design replaces the last. */
export function withRecord(progress: Progress, record: GoalRecord): Progress {
  if (record.kind === 'design') return { ...progress, design: record.design };
  const before = progress.quizzes?.[record.quiz];
  const result: QuizResult = {
    best: Math.max(record.score, before?.total === record.total ? before.best : 0),
    total: record.total,
    attempts: (before?.attempts ?? 0) + 1,
    last: record.score,
  };
  return { ...progress, quizzes: { ...(progress.quizzes ?? {}), [record.quiz]: result } };
}

export function loadProgress(storage: Pick<Storage, 'getItem'> | undefined): Progress {
  try {
    return parseProgress(storage?.getItem(PROGRESS_KEY) ?? null);
  } catch {
    return emptyProgress(); // storage itself can throw (privacy modes)
  }
}

export function saveProgress(storage: Pick<Storage, 'setItem'> | Pick<Storage, 'getItem' | 'setItem'> | undefined, progress: Progress): void {
  try {
    const stored = storage && 'getItem' in storage ? loadProgress(storage) : emptyProgress();
    storage?.setItem(PROGRESS_KEY, JSON.stringify(withResults(progress, stored)));
  } catch {
    // Full or blocked storage: progress lasts for this visit only.
  }
}
