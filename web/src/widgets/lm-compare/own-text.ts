// The learner's own text for lmEval and generation: checked in the page before it reaches the
// engine. Any script and any character is fine (the tokenizer is byte-level, so control
// characters are just bytes to it); an empty box or one over the limit gets a message saying so.
import { charCount } from '../../player/text-limits';

/** Characters a text box takes: a few pages, scored in well under a second by each model. */
export const EVAL_TEXT_MAX_CHARS = 20_000;

export type EvalTextCheck = { ok: true; text: string } | { ok: false; message: string };

export function checkEvalText(raw: string, max = EVAL_TEXT_MAX_CHARS): EvalTextCheck {
  if (typeof raw !== 'string') return { ok: false, message: 'The text must be text.' };
  const n = raw.length <= max ? raw.length : charCount(raw);
  if (n > max) {
    return {
      ok: false,
      message: `This text is ${n.toLocaleString('en-US')} characters long; this box takes at most ${max.toLocaleString('en-US')}. Shorten it and try again.`,
    };
  }
  if (!raw.trim()) return { ok: false, message: 'Type some text first.' };
  return { ok: true, text: raw.normalize('NFC') };
}
