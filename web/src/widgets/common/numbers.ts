// Formatting of large counts and rates for the Phase 1 widgets. Formatting only: the numbers
// themselves come from the engine.
import { fmt } from '../format';
import { defaultState, type StateOf, type StateSpec } from '../../player/url-state';

const units: [number, string, string][] = [
  [1e12, 'T', 'trillion'],
  [1e9, 'B', 'billion'],
  [1e6, 'M', 'million'],
  [1e3, 'K', 'thousand'],
];

/** 46702792704 → "46.7B"; 1056 → "1.06K"; 544 → "544". Three significant digits. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  for (const [size, short] of units) {
    if (a >= size) return `${fmt(n / size, digitsFor(a / size))}${short}`;
  }
  return Number.isInteger(n) ? fmt(n, 0) : fmt(n, digitsFor(a));
}

/** The same in words, for screen readers and prose: "46.7 billion". */
export function compactWords(n: number): string {
  const a = Math.abs(n);
  for (const [size, , word] of units) {
    if (a >= size) return `${fmt(n / size, digitsFor(a / size))} ${word}`;
  }
  return Number.isInteger(n) ? fmt(n, 0) : fmt(n, digitsFor(a));
}

/** Decimals that keep three significant digits for a value in [1, 1000). */
function digitsFor(v: number): number {
  return v >= 100 ? 0 : v >= 10 ? 1 : 2;
}

/** Integer with thin-space thousands groups: 12879925248 → "12 879 925 248". */
export function grouped(n: number): string {
  const s = Math.round(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return n < 0 ? `\u2212${s}` : s;
}

/** A whole number typed into a field, or null if it is not one within [min, max]. */
export function parseWhole(raw: string, min: number, max: number): number | null {
  const t = raw.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/**
 * The widget's state with every field present: the player may render a widget once before it
 * has read the URL, with an empty state table.
 */
export function withDefaults<S extends StateSpec>(spec: S, persisted: Partial<StateOf<S>>): StateOf<S> {
  return { ...defaultState(spec), ...persisted };
}
