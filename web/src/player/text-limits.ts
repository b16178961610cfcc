// Limits of text typed or pasted into the widgets' sentence and word boxes, checked in the page
// before anything reaches the engine (whose own cap is 64 KiB / 4096 tokens per text, see
// engine/README.md). Any script is fine (emoji, right-to-left, combining marks); control
// characters become spaces; text past the limit is refused with a message saying by how much,
// never cut silently.

/** A sentence box (idle-heatmap and the like): characters, counted as the learner sees them. */
export const SENTENCE_MAX_CHARS = 200;
/** A one-word box. */
export const WORD_MAX_CHARS = 40;

export type TextCheck = { ok: true; text: string } | { ok: false; message: string };

// C0 and C1 controls except tab and newline, plus the Unicode line/paragraph separators.
// Bidirectional marks (RTL text) are kept: they are part of how such text is written.
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/g;

/** Characters as a person counts them (a code point each; an emoji flag or family may count as several). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

const grouped = (n: number) => n.toLocaleString('en-US');

/**
 * Cleans and checks `raw` for a box that takes at most `max` characters. The check looks at
 * the length first, so a megabyte of pasted text costs one pass and no engine call.
 */
export function checkText(raw: string, max: number, what = 'text'): TextCheck {
  if (typeof raw !== 'string') return { ok: false, message: `The ${what} must be text.` };
  // Cheap bound first: UTF-16 length ≥ code points, so anything under max is fine as it is.
  const n = raw.length <= max ? raw.length : charCount(raw);
  if (n > max) {
    return {
      ok: false,
      message: `This ${what} is ${grouped(n)} characters long; this box takes at most ${grouped(max)}. Shorten it and try again.`,
    };
  }
  const text = raw.normalize('NFC').replace(controls, ' ').replace(/\s+/g, ' ').trim();
  if (!text) return { ok: false, message: `Type some ${what} first.` };
  return { ok: true, text };
}

/** While a word is typed: the message when it is already too long for a one-word box, else null. */
export function wordTooLong(value: string): string | null {
  const c = checkText(value, WORD_MAX_CHARS, 'word');
  return !c.ok && value.length > WORD_MAX_CHARS ? c.message : null;
}
