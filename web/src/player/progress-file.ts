// Progress as a file: export to JSON, import with strict validation. Unlike
// the tolerant localStorage loader (progress.ts), an import rejects anything
// odd with a message saying what and where, so a bad file never replaces
// good progress. Imported progress goes through the same migration as stored.
import { PROGRESS_VERSION } from './progress';
import type { LessonProgress, Progress } from './progress';
import { migrateProgress } from './legacy';

export const PROGRESS_FORMAT = 'moe-tutor-progress';

export interface ProgressFile {
  format: typeof PROGRESS_FORMAT;
  version: typeof PROGRESS_VERSION;
  exportedAt: string;
  progress: Progress;
}

export type ImportResult = { ok: true; progress: Progress } | { ok: false; error: string };

export function exportProgress(progress: Progress, now = new Date()): string {
  const file: ProgressFile = { format: PROGRESS_FORMAT, version: PROGRESS_VERSION, exportedAt: now.toISOString(), progress };
  return JSON.stringify(file, null, 2);
}

/** `moe-tutor-progress-2025-01-31.json` */
export function exportFileName(now = new Date()): string {
  return `moe-tutor-progress-${now.toISOString().slice(0, 10)}.json`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function readLesson(id: string, raw: unknown): LessonProgress | string {
  const at = `lessons.${id}`;
  if (!isRecord(raw)) return `${at}: must be an object`;
  const { reached, answers, solved, goals, completed } = raw;
  if (!Number.isInteger(reached) || (reached as number) < 1) return `${at}.reached: must be a whole number of at least 1`;
  if (!isRecord(answers)) return `${at}.answers: must be an object`;
  for (const [k, v] of Object.entries(answers)) {
    if (!Number.isInteger(v) || (v as number) < 0) return `${at}.answers.${k}: must be an option number`;
  }
  if (!isStringArray(solved)) return `${at}.solved: must be a list of check ids`;
  if (!isStringArray(goals)) return `${at}.goals: must be a list of goal names`;
  if (typeof completed !== 'boolean') return `${at}.completed: must be true or false`;
  return { reached: reached as number, answers: answers as Record<string, number>, solved, goals, completed };
}

/** Validates an exported file's text; on success returns the progress to use (migrated). */
export function importProgress(text: string): ImportResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'This file is not JSON, so it cannot be a MoE Tutor progress file.' };
  }
  if (!isRecord(raw) || raw.format !== PROGRESS_FORMAT) {
    return { ok: false, error: 'This JSON file is not a MoE Tutor progress file (its "format" is not "moe-tutor-progress").' };
  }
  if (raw.version !== PROGRESS_VERSION) {
    return { ok: false, error: `This progress file has version ${JSON.stringify(raw.version)}; this tutor reads version ${PROGRESS_VERSION}.` };
  }
  const p = raw.progress;
  if (!isRecord(p) || !isRecord(p.lessons)) return { ok: false, error: 'The file has no "progress.lessons" object.' };
  const progress: Progress = { version: PROGRESS_VERSION, lessons: {}, last: null };
  for (const [id, lesson] of Object.entries(p.lessons)) {
    const read = readLesson(id, lesson);
    if (typeof read === 'string') return { ok: false, error: `The file is damaged: progress.${read}.` };
    progress.lessons[id] = read;
  }
  if (p.last !== null && p.last !== undefined) {
    const last = p.last;
    if (!isRecord(last) || typeof last.lessonId !== 'string' || typeof last.hash !== 'string' || !last.hash.startsWith('#/')) {
      return { ok: false, error: 'The file is damaged: progress.last must name a lesson and a "#/" link.' };
    }
    progress.last = { lessonId: last.lessonId, hash: last.hash };
  }
  return { ok: true, progress: migrateProgress(progress) };
}
