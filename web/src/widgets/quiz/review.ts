// Questions answered wrong come back on a later visit: a small Leitner queue in
// localStorage. A missed question enters box 1 and is due on the next visit
// (never in the visit where it was missed); answering it right moves it up a
// box with a longer wait, answering it wrong sends it back to box 1, and
// answering right in the last box retires it.

export const REVIEW_KEY = 'moe-tutor:review';
/** Wait before a question in box b (1-based) is due again, in ms: next visit, 1 day, 3 days. */
export const BOX_WAIT_MS = [0, 24 * 3600 * 1000, 3 * 24 * 3600 * 1000];
export const MAX_ENTRIES = 60;

export interface ReviewEntry {
  quiz: string;
  question: string;
  box: number;
  due: number;
  /** The visit in which it was last answered; not due again in that visit. */
  visit: string;
}

export type ReviewQueue = ReviewEntry[];

/** One id per page load: "a later visit" means a different id. */
export const thisVisit: string = Math.random().toString(36).slice(2, 10);

export function readQueue(storage: Pick<Storage, 'getItem'> | undefined): ReviewQueue {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(REVIEW_KEY) ?? '[]');
    if (!Array.isArray(raw)) return [];
    return raw.filter(
      (e): e is ReviewEntry =>
        typeof e === 'object' &&
        e !== null &&
        typeof e.quiz === 'string' &&
        typeof e.question === 'string' &&
        Number.isInteger(e.box) &&
        e.box >= 1 &&
        e.box <= BOX_WAIT_MS.length &&
        Number.isFinite(e.due) &&
        typeof e.visit === 'string',
    );
  } catch {
    return [];
  }
}

export function writeQueue(storage: Pick<Storage, 'setItem'> | undefined, queue: ReviewQueue): void {
  try {
    storage?.setItem(REVIEW_KEY, JSON.stringify(queue.slice(-MAX_ENTRIES)));
  } catch {
    // Blocked storage: no review this time.
  }
}

/** The queue after answering `question` of `quiz`; a right answer to a question not queued changes nothing. */
export function recordAnswer(queue: ReviewQueue, quiz: string, question: string, correct: boolean, now: number, visit: string): ReviewQueue {
  const rest = queue.filter((e) => !(e.quiz === quiz && e.question === question));
  const entry = queue.find((e) => e.quiz === quiz && e.question === question);
  if (!correct) return [...rest, { quiz, question, box: 1, due: now + BOX_WAIT_MS[0], visit }];
  if (!entry) return queue;
  // Answered right again in the same visit it was missed: no promotion yet.
  if (entry.visit === visit && entry.box === 1) return queue;
  const box = entry.box + 1;
  if (box > BOX_WAIT_MS.length) return rest;
  return [...rest, { quiz, question, box, due: now + BOX_WAIT_MS[box - 1], visit }];
}

/** Question ids of `quiz` due for review now, oldest first; never ones answered in this visit. */
export function dueQuestions(queue: ReviewQueue, quiz: string, now: number, visit: string): string[] {
  return queue
    .filter((e) => e.quiz === quiz && e.due <= now && e.visit !== visit)
    .sort((a, b) => a.due - b.due)
    .map((e) => e.question);
}
