// Reading and writing stored progress with a report of what went wrong, for the player to tell
// the learner (progress.ts itself stays silent and never throws). Nothing is lost silently:
//   - damaged JSON, or progress written by a newer tutor, is copied to PROGRESS_BACKUP_KEY before
//     the fresh progress of this visit can overwrite it, and the learner is told;
//   - progress of an older schema (no version, or version 0) is read as far as it goes and
//     migrated (retired lessons move to their successors, legacy.ts);
//   - a write that fails (storage full, storage blocked) is reported, and the next good write
//     clears the report; the progress stays in the page meanwhile.
import { PROGRESS_KEY, PROGRESS_VERSION, emptyProgress, parseProgress, saveProgress } from './progress';
import type { Progress } from './progress';

export const PROGRESS_BACKUP_KEY = 'moe-tutor:progress:unreadable';

export type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

export interface LoadReport {
  progress: Progress;
  /** For the learner, or null when all was well. */
  notice: string | null;
  /** The stored progress was of an older schema and was migrated. */
  migrated: boolean;
}

export const blockedNotice =
  'This browser is not letting the tutor use its storage, so progress from earlier visits cannot be read and this visit’s progress will not be kept after you close the page. Use “Export progress” on the course map to keep it in a file.';
export const damagedNotice =
  'Your saved progress was damaged and could not be read, so this visit starts fresh. The damaged copy was kept in this browser.';
export const newerNotice =
  'Your saved progress was written by a newer version of the tutor and cannot be read here, so this visit starts fresh. The saved copy was kept in this browser.';
export const fullNotice =
  'Your latest progress could not be saved: this browser’s storage for the tutor is full. It is kept while this page stays open; use “Export progress” on the course map to keep it in a file.';
export const unsavedNotice =
  'Your latest progress could not be saved: this browser refused to store it. It is kept while this page stays open; use “Export progress” on the course map to keep it in a file.';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function backUp(storage: StorageLike, text: string): void {
  try {
    storage.setItem(PROGRESS_BACKUP_KEY, text);
  } catch {
    // No room even for the copy: the original stays under PROGRESS_KEY until the next save.
  }
}

/** Reads stored progress and says what, if anything, the learner should know. Never throws. */
export function loadProgressReport(storage: StorageLike | undefined): LoadReport {
  const fresh = (notice: string | null): LoadReport => ({ progress: emptyProgress(), notice, migrated: false });
  if (!storage) return fresh(blockedNotice);
  let text: string | null;
  try {
    text = storage.getItem(PROGRESS_KEY);
  } catch {
    return fresh(blockedNotice);
  }
  if (text === null || text === '') return fresh(null);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    backUp(storage, text);
    return fresh(damagedNotice);
  }
  if (!isRecord(raw) || !isRecord(raw.lessons)) {
    backUp(storage, text);
    return fresh(damagedNotice);
  }
  const version = raw.version;
  if (version === PROGRESS_VERSION) return { progress: parseProgress(text), notice: null, migrated: false };
  if (version === undefined || version === null || version === 0 || version === '0') {
    // The older schema: the same lessons table without a version. Read what is readable.
    return { progress: parseProgress(JSON.stringify({ ...raw, version: PROGRESS_VERSION })), notice: null, migrated: true };
  }
  backUp(storage, text);
  return fresh(typeof version === 'number' && version > PROGRESS_VERSION ? newerNotice : damagedNotice);
}

function isQuotaError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

/** Saves through progress.ts's saveProgress; returns null when saved, else a notice for the learner. */
export function saveProgressReport(storage: StorageLike | undefined, progress: Progress): string | null {
  if (!storage) return unsavedNotice;
  let failure: unknown = undefined;
  let wrote = false;
  const watched: StorageLike = {
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => {
      try {
        storage.setItem(key, value);
        wrote = true;
      } catch (err) {
        failure = err ?? new Error('storage refused the write');
        throw err;
      }
    },
  };
  saveProgress(watched, progress);
  if (failure !== undefined) return isQuotaError(failure) ? fullNotice : unsavedNotice;
  return wrote ? null : unsavedNotice;
}
