// Questions answered wrong come back on a later visit, spaced by FSRS (ts-fsrs): each missed
// question keeps an FSRS card in localStorage. A quiz answer is a rating, wrong → Again and
// right → Good. A miss is due again from the next visit on (never in the visit where it was
// missed: here the next visit is FSRS's short relearning step); a right answer waits as long as
// FSRS schedules. A question whose interval reaches MATURE_DAYS is learned and leaves the queue.
// Queues stored by the earlier Leitner-box version (a bare array of {box, due}) are read and
// migrated: every question keeps its quiz, its due time and its visit, and its box becomes
// that many reviews (one miss, then box − 1 right answers).
import { Rating, createEmptyCard, fsrs, generatorParameters, type Card, type Grade } from 'ts-fsrs';

export const REVIEW_KEY = 'moe-tutor:review';
export const REVIEW_VERSION = 2;
export const MAX_ENTRIES = 60;
/** An interval this long means the question is learned (Anki calls such cards mature). */
export const MATURE_DAYS = 21;

/** The Leitner version's waits before a question in box b (1-based) was due again: next visit, 1 day, 3 days. */
export const LEITNER_WAIT_MS = [0, 24 * 3600 * 1000, 3 * 24 * 3600 * 1000];

/** An FSRS card as stored: its dates as ms since the epoch. */
export type StoredCard = Omit<Card, 'due' | 'last_review'> & { due: number; last_review?: number };

export interface ReviewEntry {
  quiz: string;
  question: string;
  /** When it is due for review (ms); a miss is due at once, for the next visit. */
  due: number;
  /** The visit in which it was last answered; not due again in that visit. */
  visit: string;
  card: StoredCard;
}

export type ReviewQueue = ReviewEntry[];

/** One id per page load: "a later visit" means a different id. */
export const thisVisit: string = Math.random().toString(36).slice(2, 10);

// No fuzz: the same answers at the same times give the same schedule (and tests can check it).
const scheduler = fsrs(generatorParameters({ enable_fuzz: false }));

/** The rating a quiz answer gives its question. */
export function ratingOf(correct: boolean): Grade {
  return correct ? Rating.Good : Rating.Again;
}

function stored(card: Card): StoredCard {
  const { due, last_review, ...rest } = card;
  return { ...rest, due: due.getTime(), ...(last_review ? { last_review: last_review.getTime() } : {}) };
}

function live(card: StoredCard): Card {
  const { due, last_review, ...rest } = card;
  return { ...rest, due: new Date(due), ...(last_review !== undefined ? { last_review: new Date(last_review) } : {}) };
}

/** The card after `ratings`, all given at `at` (ms). */
function cardAfter(ratings: Grade[], at: number): Card {
  return ratings.reduce<Card>((card, rating) => scheduler.next(card, at, rating).card, createEmptyCard(at));
}

/** The queue after answering `question` of `quiz`; a right answer to a question not queued changes nothing. */
export function recordAnswer(queue: ReviewQueue, quiz: string, question: string, correct: boolean, now: number, visit: string): ReviewQueue {
  const entry = queue.find((e) => e.quiz === quiz && e.question === question);
  if (!entry && correct) return queue;
  const rest = queue.filter((e) => e !== entry);
  const card = scheduler.next(entry ? live(entry.card) : createEmptyCard(now), now, ratingOf(correct)).card;
  if (correct && card.scheduled_days >= MATURE_DAYS) return rest;
  return [...rest, { quiz, question, due: correct ? card.due.getTime() : now, visit, card: stored(card) }];
}

/** Question ids of `quiz` due for review now, oldest first; never ones answered in this visit. */
export function dueQuestions(queue: ReviewQueue, quiz: string, now: number, visit: string): string[] {
  return queue
    .filter((e) => e.quiz === quiz && e.due <= now && e.visit !== visit)
    .sort((a, b) => a.due - b.due)
    .map((e) => e.question);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A Leitner entry ({quiz, question, box, due, visit}) as an FSRS entry. Its box b was reached by
 * a miss and b − 1 right answers; the last answer was b's wait before `due` (the Leitner rule),
 * so the card replays those ratings then. The entry keeps its due time and its visit.
 */
export function fromLeitner(raw: unknown): ReviewEntry | null {
  if (!isObject(raw)) return null;
  const { quiz, question, box, due, visit } = raw;
  if (typeof quiz !== 'string' || typeof question !== 'string' || typeof visit !== 'string' || !finite(due)) return null;
  if (!Number.isInteger(box) || (box as number) < 1 || (box as number) > LEITNER_WAIT_MS.length) return null;
  const b = box as number;
  const answered = due - LEITNER_WAIT_MS[b - 1];
  const ratings: Grade[] = [Rating.Again, ...Array.from({ length: b - 1 }, (): Grade => Rating.Good)];
  return { quiz, question, due, visit, card: stored(cardAfter(ratings, answered)) };
}

function readCard(raw: unknown): StoredCard | null {
  if (!isObject(raw)) return null;
  const numbers = ['due', 'stability', 'difficulty', 'elapsed_days', 'scheduled_days', 'learning_steps', 'reps', 'lapses', 'state'] as const;
  if (!numbers.every((k) => finite(raw[k]))) return null;
  if (raw.last_review !== undefined && !finite(raw.last_review)) return null;
  return raw as unknown as StoredCard;
}

function readEntry(raw: unknown): ReviewEntry | null {
  if (!isObject(raw)) return null;
  const { quiz, question, due, visit } = raw;
  const card = readCard(raw.card);
  if (typeof quiz !== 'string' || typeof question !== 'string' || typeof visit !== 'string' || !finite(due) || !card) return null;
  return { quiz, question, due, visit, card };
}

/** The stored queue: this version's, or the Leitner version's migrated; anything unreadable is left out. */
export function readQueue(storage: Pick<Storage, 'getItem'> | undefined): ReviewQueue {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(REVIEW_KEY) ?? 'null');
    const entries = Array.isArray(raw) ? raw.map(fromLeitner) : isObject(raw) && raw.version === REVIEW_VERSION && Array.isArray(raw.entries) ? raw.entries.map(readEntry) : [];
    return entries.filter((e): e is ReviewEntry => e !== null);
  } catch {
    return [];
  }
}

export function writeQueue(storage: Pick<Storage, 'setItem'> | undefined, queue: ReviewQueue): void {
  try {
    storage?.setItem(REVIEW_KEY, JSON.stringify({ version: REVIEW_VERSION, entries: queue.slice(-MAX_ENTRIES) }));
  } catch {
    // Blocked storage: no review this time.
  }
}

