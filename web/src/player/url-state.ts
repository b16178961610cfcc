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

/** Only values that differ from their default are written, to keep links short. */
export function encodeState<S extends StateSpec>(spec: S, state: StateOf<S>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, field] of Object.entries(spec)) {
    const value = (state as AnyState)[key];
    if (value !== undefined && !sameValue(value, field.default)) query.set(key, encodeField(field, value));
  }
  return query;
}
