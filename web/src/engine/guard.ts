// Every engine call turns a throw from the wasm module into a Result error value, so a bad input
// leaves the engine working and the next call still runs.
import type { Result } from './types';

/** A thrown value's message. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What the module's bindings answer: a Result, or their own failure (no value type). */
export type Answer<T> = Result<T> | { ok: false; error: string };

/** Runs `body`, turning a throw into an `engine: ...` error. */
export function guard<T>(body: () => Answer<T>): Result<T> {
  try {
    const r = body();
    return r.ok ? r : { ok: false, error: r.error };
  } catch (err) {
    return { ok: false, error: `engine: ${message(err)}` };
  }
}
