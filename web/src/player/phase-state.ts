// Widget state shared by the lessons of one phase (Phase 2's five lessons all
// follow the same token and prediction). Kept per phase as the query text the
// lessons would put in their URLs, so the URL-state decoder validates it on
// the way back in. A link that carries its own widget state wins over this.
import type { StateSpec } from './url-state';
import { localStore as storage } from './storage';

export const PHASE_STATE_KEY = 'moe-tutor:phase-state';

type Stored = Record<string, string>;


function read(): Stored {
  try {
    const raw: unknown = JSON.parse(storage()?.getItem(PHASE_STATE_KEY) ?? '{}');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** The saved query of a phase (empty when none). */
export function phaseQuery(phaseId: string): URLSearchParams {
  return new URLSearchParams(read()[phaseId] ?? '');
}

/**
 * Saves a lesson's current widget state into its phase's shared query: the
 * lesson's own keys are replaced (a key at its default is removed), other
 * lessons' keys are kept.
 */
export function savePhaseQuery(phaseId: string, spec: StateSpec, lessonQuery: URLSearchParams): URLSearchParams {
  const all = read();
  const merged = new URLSearchParams(all[phaseId] ?? '');
  for (const key of Object.keys(spec)) merged.delete(key);
  for (const [key, value] of lessonQuery) merged.set(key, value);
  all[phaseId] = merged.toString();
  try {
    storage()?.setItem(PHASE_STATE_KEY, JSON.stringify(all));
  } catch {
    // Blocked storage: the state still travels in the URL.
  }
  return merged;
}

/** Does this URL query carry any of the lesson's own widget state? */
export function carriesState(spec: StateSpec, query: URLSearchParams): boolean {
  return Object.keys(spec).some((key) => query.has(key));
}

export function clearPhaseState(): void {
  try {
    storage()?.removeItem(PHASE_STATE_KEY);
  } catch {
    // nothing to clear
  }
}
