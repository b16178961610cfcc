// Small pure helpers of the lm-train widget: checking the learner's prompt before a run, the
// steps at which a run stops to record routing or write a sample, and the mean of a series' last
// values for the table. No Svelte here, so the e2e spec can replay a run's plan in Node.

/** Longest prompt the widget takes: the model reads 64 tokens, prompt and sample together. */
export const MAX_PROMPT_CHARS = 120;

export interface PromptCheck {
  ok: boolean;
  message: string;
}

/**
 * Whether `prompt` can seed the samples, with a message saying why not (or what to expect):
 * empty, too long, or holding control characters are refused; other scripts are allowed, with
 * a note that this model saw almost none of them.
 */
export function checkPrompt(prompt: string): PromptCheck {
  if (prompt.length === 0) return { ok: false, message: 'The prompt is empty: type a few words for the samples to continue.' };
  if (prompt.length > MAX_PROMPT_CHARS) {
    return {
      ok: false,
      message: `The prompt is ${prompt.length.toLocaleString('en')} characters long; keep it under ${MAX_PROMPT_CHARS}: this model reads at most 64 tokens, prompt and sample together.`,
    };
  }
  const control = [...prompt].findIndex((c) => /[\p{Cc}]/u.test(c) && c !== '\n' && c !== '\t');
  if (control >= 0) {
    const code = [...prompt][control].codePointAt(0) ?? 0;
    return { ok: false, message: `The prompt has a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at position ${control + 1}; remove it.` };
  }
  if (/[^\p{ASCII}]/u.test(prompt)) {
    return { ok: true, message: 'Characters outside ASCII become byte pieces: the training text is English prose, Python and arithmetic, so expect the model to know little about them.' };
  }
  return { ok: true, message: 'Each run writes a greedy continuation of this prompt at a few steps along the way.' };
}

/** Steps (besides 0 and the end) after which a run writes its sample: a quarter and half way. */
export function samplePoints(steps: number): number[] {
  return [...new Set([Math.round(steps / 4), Math.round(steps / 2)])].filter((s) => s > 0 && s < steps);
}

/** The mean of the last `n` values (fewer if the series is shorter); NaN for an empty series. */
export function lastMean(values: readonly number[], n: number): number {
  const tail = values.slice(-Math.max(1, n));
  return tail.length === 0 ? NaN : tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** The steps that end a chunk of `chunk` steps, up to `done` (the last one even if short). */
export function chunkEnds(done: number, chunk: number): number[] {
  const ends: number[] = [];
  for (let s = chunk; s < done; s += chunk) ends.push(s);
  if (done > 0) ends.push(done);
  return ends;
}

/** The step counts at which a run stops to record or sample: chunks end on each of them. */
export function stopPoints(plan: { recordEvery: number; sampleAt: number[] }, steps: number): number[] {
  const points = new Set<number>([0, steps, ...plan.sampleAt.filter((s) => s > 0 && s < steps)]);
  for (let s = plan.recordEvery; s < steps; s += plan.recordEvery) points.add(s);
  return [...points].sort((a, b) => a - b);
}
