// A chain of engine calls run from a widget's $effect. Each call's answer is awaited through `ask`,
// which stops the chain at the first error (that error becomes the answer) and drops the chain
// silently once the effect has re-run (the learner moved a control meanwhile), so a slow, stale
// answer never overwrites a newer one.
import type { Result } from '../../engine';

/** Awaits one engine answer: its value, or the chain stops. `label` prefixes an error ("Top-2: ..."). */
export type Ask = <U>(answer: Promise<Result<U>>, label?: string) => Promise<U>;

/** Thrown by `ask` to leave the chain; never escapes runLatest. */
class Stop {
  constructor(readonly error: string | null) {}
}

/** Ends the chain with `error` as its answer (a check of the widget's own, between engine calls). */
export function fail(error: string): never {
  throw new Stop(error);
}

/**
 * Starts `chain` and hands its result to `set`, unless the returned cleanup ran first. Return the
 * cleanup from the $effect: `$effect(() => { const x = input; return runLatest(async (ask) => ..., (r) => (answer = r)); })`.
 */
export function runLatest<T>(chain: (ask: Ask) => Promise<T>, set: (answer: Result<T>) => void): () => void {
  let current = true;
  const ask: Ask = async (answer, label) => {
    const r = await answer;
    if (!current) throw new Stop(null);
    if (!r.ok) throw new Stop(label === undefined ? r.error : `${label}: ${r.error}`);
    return r.value;
  };
  chain(ask).then(
    (value) => {
      if (current) set({ ok: true, value });
    },
    (err: unknown) => {
      if (!(err instanceof Stop)) throw err;
      if (err.error !== null) set({ ok: false, error: err.error });
    },
  );
  return () => (current = false);
}
