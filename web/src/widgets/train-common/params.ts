// Lesson parameters every chunked training widget takes: how its run is paced. Part of those widgets'
// params schemas (their params.ts), so, like them, never loaded by the page.
import * as z from 'zod';

/** The pacing fields; `pauseMs` is the widget's default pause. */
export const runPacingParams = (pauseMs: number) => ({
  /** Milliseconds the page waits between chunks, so the run can be watched. */
  pause_ms: z.number().int().min(0).max(500).default(pauseMs),
  /** Steps per trainRun call. */
  chunk: z.number().int().min(1).max(200).default(25),
});
