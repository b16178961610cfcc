// Turning the engine's flat routing arrays into one record per token for the lm-explorer widget.
// Indexing only: every number is the engine's (LmRouting, engine/wasm/lm_bindings.cpp).
import type { LmRouting } from '../../engine';

/** What the router did with one token in one layer. */
export interface LayerChoice {
  experts: number[]; // [k] chosen experts, most probable first
  gates: number[]; // [k] their renormalised gates
  probs: number[]; // [E] router probabilities over all experts
}

/** One token of the prompt or of the continuation. */
export interface TokenRow {
  id: number;
  text: string; // the token's text as the tokenizer gives it
  generated: boolean;
  layers: LayerChoice[]; // [L]
}

/** Token t's choices in every layer.   routing arrays: [L, T, E] and [L, T, k] */
export function choicesOf(routing: LmRouting, t: number): LayerChoice[] {
  const { tokens: T, experts: E, top_k: k } = routing;
  const out: LayerChoice[] = [];
  for (let l = 0; l < routing.layers; l++) {
    const row = l * T + t;
    out.push({
      experts: Array.from(routing.topk_ids.subarray(row * k, (row + 1) * k)),
      gates: Array.from(routing.topk_weights.subarray(row * k, (row + 1) * k)),
      probs: Array.from(routing.router_probs.subarray(row * E, (row + 1) * E)),
    });
  }
  return out;
}

/** Rows for tokens `ids` with texts `pieces`, routed as `routing` (which covers exactly them). */
export function tokenRows(ids: ArrayLike<number>, pieces: readonly string[], routing: LmRouting, generated: boolean): TokenRow[] {
  const rows: TokenRow[] = [];
  for (let t = 0; t < ids.length; t++) rows.push({ id: ids[t], text: pieces[t] ?? '', generated, layers: choicesOf(routing, t) });
  return rows;
}

/**
 * A token's text with white space and control characters made visible: a space as ·, a new line
 * as ↵, a tab as →, any other control character as its Unicode control picture (NUL → ␀, DEL → ␡).
 */
export function visibleText(text: string): string {
  if (text === '') return '∅';
  return text
    .replace(/ /g, '·')
    .replace(/\r?\n/g, '↵')
    .replace(/\t/g, '→')
    .replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
}
