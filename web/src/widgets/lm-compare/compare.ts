// Side by side: two evaluations of the same named texts (lmEval answers), one row per text.
// Subtraction and counting only: every loss is the engine's.
import type { LmLosses } from '../../engine';

export interface LossRow {
  name: string;
  tokens: number; // predicted tokens (the same for both: same text, same tokenizer)
  a: number; // loss of model a, nats per token
  b: number;
  diff: number; // a − b: negative when a predicts this text better
}

/** Rows of texts both evaluations hold, in a's order; an error when the token counts differ (different texts). */
export function lossRows(a: LmLosses, b: LmLosses): LossRow[] {
  const rows: LossRow[] = [];
  for (const d of a.domains) {
    const other = b.domains.find((x) => x.name === d.name);
    if (!other) continue;
    if (other.tokens !== d.tokens) throw new Error(`${d.name}: ${d.tokens} tokens against ${other.tokens}; the two runs read different text`);
    rows.push({ name: d.name, tokens: d.tokens, a: d.loss, b: other.loss, diff: d.loss - other.loss });
  }
  return rows;
}

/** How many rows a wins (lower loss), loses and ties (equal to 4 decimals, as the table shows them). */
export function tally(rows: readonly LossRow[]): { wins: number; losses: number; ties: number } {
  let wins = 0;
  let losses = 0;
  let ties = 0;
  for (const r of rows) {
    if (Math.abs(r.diff) < 5e-5) ties++;
    else if (r.diff < 0) wins++;
    else losses++;
  }
  return { wins, losses, ties };
}

/** The row whose loss rose most from `b` (before) to `a` (after), or null when none rose. */
export function largestRise(rows: readonly LossRow[]): LossRow | null {
  let best: LossRow | null = null;
  for (const r of rows) if (r.diff > 0 && (!best || r.diff > best.diff)) best = r;
  return best;
}
