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
  return migrateProgress(progress);
}

export function loadProgress(storage: Pick<Storage, 'getItem'> | undefined): Progress {
  try {
    return parseProgress(storage?.getItem(PROGRESS_KEY) ?? null);
  } catch {
    return emptyProgress(); // storage itself can throw (privacy modes)
  }
}

export function saveProgress(storage: Pick<Storage, 'setItem'> | undefined, progress: Progress): void {
  try {
    storage?.setItem(PROGRESS_KEY, JSON.stringify(progress));
  } catch {
    // Full or blocked storage: progress lasts for this visit only.
  }
}
