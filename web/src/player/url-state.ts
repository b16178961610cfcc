// A typed table of learner-adjustable widget state that round-trips through
// the query part of the hash (`#/lesson/x/step?token=3&pred=0,2`), so any view
// is a shareable link. Unknown keys are ignored; a malformed value falls back
// to its default instead of breaking the page.

export type Field =
  | { kind: 'int'; default: number; min: number; max: number }
  | { kind: 'ints'; default: number[]; min: number; max: number; maxLength: number }
  | { kind: 'text'; default: string; maxLength: number }
  | { kind: 'flag'; default: boolean };

export type StateSpec = Record<string, Field>;

type ValueOf<F extends Field> = F extends { kind: 'int' }
  ? number
  : F extends { kind: 'ints' }
    ? number[]
    : F extends { kind: 'text' }
      ? string
      : boolean;

export type StateOf<S extends StateSpec> = { [K in keyof S]: ValueOf<S[K]> };
export type StateValue = number | number[] | string | boolean;
export type AnyState = Record<string, StateValue>;
export type StatePatch = { [key: string]: StateValue | undefined };

export const int = (def: number, min = -1_000_000, max = 1_000_000): Field => ({ kind: 'int', default: def, min, max });
export const ints = (def: number[], min: number, max: number, maxLength = 16): Field => ({
  kind: 'ints',
  default: def,
  min,
  max,
  maxLength,
});
export const text = (def: string, maxLength = 80): Field => ({ kind: 'text', default: def, maxLength });
export const flag = (def: boolean): Field => ({ kind: 'flag', default: def });

function decodeField(field: Field, raw: string | null): StateValue {
  if (raw === null) return field.default;
  switch (field.kind) {
    case 'int': {
      const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      return Number.isInteger(n) && n >= field.min && n <= field.max ? n : field.default;
    }
    case 'ints': {
      if (raw === '') return [];
      // Each number is at most 8 characters here (|n| ≤ 1e6 plus a sign), so anything longer is bad.
      if (raw.length > field.maxLength * 9) return field.default;
      const parts = raw.split(',');
      const nums = parts.map((p) => (/^-?\d+$/.test(p) ? Number(p) : NaN));
      const ok = nums.length <= field.maxLength && nums.every((n) => n >= field.min && n <= field.max);
      return ok ? nums : field.default;
    }
    case 'text':
      return raw.length <= field.maxLength ? raw : field.default;
    case 'flag':
      return raw === '1' ? true : raw === '0' ? false : field.default;
  }
}

function encodeField(field: Field, value: StateValue): string {
  switch (field.kind) {
    case 'ints':
      return (value as number[]).join(',');
    case 'flag':
      return value ? '1' : '0';
    default:
      return String(value);
  }
}

function sameValue(a: StateValue, b: StateValue): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;
}

export function defaultState<S extends StateSpec>(spec: S): StateOf<S> {
  const out: AnyState = {};
  for (const [key, field] of Object.entries(spec)) {
    out[key] = Array.isArray(field.default) ? [...field.default] : field.default;
  }
  return out as StateOf<S>;
}

export function decodeState<S extends StateSpec>(spec: S, query: URLSearchParams): StateOf<S> {
  const out: AnyState = {};
  for (const [key, field] of Object.entries(spec)) out[key] = decodeField(field, query.get(key));
  return out as StateOf<S>;
}

export interface DecodeReport<S extends StateSpec> {
  state: StateOf<S>;
  /** Keys of `spec` present in the query whose value could not be used (their default is used). */
  rejected: string[];
  /** Keys in the query that nothing reads (outside `spec` and `alsoKnown`). */
  unknown: string[];
}

/**
 * decodeState, plus what was wrong with the query: the values that fell back to their default
 * and the keys nobody reads. `alsoKnown` lists keys that are fine to carry without reading them
 * (other widgets' state shared along a phase). Never throws; a key like `__proto__` or
 * `constructor` is just an unknown key.
 */
export function decodeStateReport<S extends StateSpec>(spec: S, query: URLSearchParams, alsoKnown: Iterable<string> = []): DecodeReport<S> {
  const state = decodeState(spec, query);
  const known = new Set<string>([...Object.keys(spec), ...alsoKnown]);
  const rejected: string[] = [];
  for (const [key, field] of Object.entries(spec)) {
    const raw = query.get(key);
    if (raw === null) continue;
    const value = (state as AnyState)[key];
    // A value equal to the default may still have been written as such (`pred=` for []); only
    // a raw text that decodes to the default without being the default's own text is rejected.
    if (sameValue(value, field.default) && raw !== encodeField(field, field.default)) rejected.push(key);
  }
  const unknown = [...new Set([...query.keys()].filter((k) => !known.has(k)))];
  return { state, rejected, unknown };
}

/** A short sentence for the learner about a DecodeReport, or null when the link was fine. */
export function stateNotice(report: { rejected: string[]; unknown: string[] }): string | null {
  const names = (keys: string[]) => {
    const shown = keys.slice(0, 4).map((k) => `“${k.length > 24 ? `${k.slice(0, 24)}…` : k}”`);
    return keys.length > 4 ? `${shown.join(', ')} and ${keys.length - 4} more` : shown.join(', ');
  };
  const parts: string[] = [];
  if (report.rejected.length) parts.push(`could not use ${names(report.rejected)} (out of range or malformed), so the defaults are shown`);
  if (report.unknown.length) parts.push(`ignored ${names(report.unknown)}, which this lesson does not use`);
  return parts.length ? `This link’s settings were partly unusable: the page ${parts.join('; it ')}.` : null;
}

/** Only values that differ from their default are written, to keep links short. */
export function encodeState<S extends StateSpec>(spec: S, state: StateOf<S>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, field] of Object.entries(spec)) {
    const value = (state as AnyState)[key];
    if (value !== undefined && !sameValue(value, field.default)) query.set(key, encodeField(field, value));
  }
  return query;
}
