// Training in chunks from a widget: create a trainer in the engine's worker, call trainRun a
// chunk at a time, hand each chunk to the widget to draw, and stop between chunks when asked.
// The worker runs each chunk without blocking the page; the pause between chunks lets the page
// paint, so the learner watches the run unfold instead of waiting for the end.
import type { Result, TrainChunk, TrainConfig, TrainStats } from '../../engine';

/** The part of the engine facade a training run needs (the real Engine, or a fake in tests). */
export interface TrainEngine {
  trainCreate(config: TrainConfig): Promise<Result<number>>;
  trainRun(id: number, steps: number): Promise<Result<TrainChunk>>;
  trainStats(id: number): Promise<Result<TrainStats>>;
  trainDelete(id: number): Promise<Result<unknown>>;
}

/** Set `cancelled` to stop a run after the chunk in flight. */
export interface CancelToken {
  cancelled: boolean;
}

export interface RunOptions {
  steps: number;
  chunk: number;
  cancel: CancelToken;
  /** Called after every chunk; `engineMs` is the time this chunk's call took, seen from the page. */
  onChunk: (chunk: TrainChunk, engineMs: number) => void;
  /** Awaited between chunks (a short timeout so the chart animates); default: none. */
  pause?: () => Promise<void>;
}

export type RunOutcome =
  | { status: 'done'; id: number; stepsDone: number; stats: TrainStats; engineMs: number }
  | { status: 'cancelled'; stepsDone: number; engineMs: number };

/**
 * Trains `config` for `steps` steps in chunks of `chunk`. On success the trainer stays alive and
 * its id is returned with the final stats (the caller deletes it); on cancel or error it is
 * deleted here.
 */
export async function trainInChunks(engine: TrainEngine, config: TrainConfig, options: RunOptions): Promise<Result<RunOutcome>> {
  const { steps, chunk, cancel, onChunk, pause } = options;
  if (!(Number.isInteger(steps) && steps >= 0)) return { ok: false, error: 'steps: must be a whole number >= 0' };
  if (!(Number.isInteger(chunk) && chunk >= 1)) return { ok: false, error: 'chunk: must be a whole number >= 1' };
  const created = await engine.trainCreate(config);
  if (!created.ok) return created;
  const id = created.value;
  let done = 0;
  let engineMs = 0;
  const stop = async (): Promise<Result<RunOutcome>> => {
    await engine.trainDelete(id);
    return { ok: true, value: { status: 'cancelled', stepsDone: done, engineMs } };
  };
  while (done < steps) {
    if (cancel.cancelled) return stop();
    const n = Math.min(chunk, steps - done);
    const start = performance.now();
    const r = await engine.trainRun(id, n);
    const ms = performance.now() - start;
    if (!r.ok) {
      await engine.trainDelete(id);
      return r;
    }
    engineMs += ms;
    done += r.value.steps;
    onChunk(r.value, ms);
    if (done < steps && pause) await pause();
  }
  if (cancel.cancelled) return stop();
  const stats = await engine.trainStats(id);
  if (!stats.ok) {
    await engine.trainDelete(id);
    return stats;
  }
  return { ok: true, value: { status: 'done', id, stepsDone: done, stats: stats.value, engineMs } };
}

/** A pause of `ms` milliseconds between chunks. */
export const pauseFor = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The per-step series of a run, as the engine reported them, appended chunk by chunk. */
export class RunSeries {
  readonly loads: number[][] = []; // [step][E] fractions of each step's (token, slot) pairs
  readonly loss: number[] = []; // [step] task MSE
  readonly auxLoss: number[] = []; // [step] Σ coefficient · aux term
  readonly routerProb: number[][] = []; // [step][E] P_e: mean router probability of each step
  /** [chunk] the global step count after each chunk (for the data table). */
  readonly chunkEnds: number[] = [];
  /** [E] the selection bias b_e after the latest chunk (0 unless bias balancing). */
  bias: number[] = [];

  append(chunk: TrainChunk): void {
    const E = chunk.num_experts;
    for (let s = 0; s < chunk.steps; s++) {
      this.loads.push(Array.from(chunk.expert_load.subarray(s * E, (s + 1) * E)));
      this.loss.push(chunk.loss[s]);
      this.auxLoss.push(chunk.aux_loss[s]);
      this.routerProb.push(Array.from(chunk.router_prob.subarray(s * E, (s + 1) * E)));
    }
    this.chunkEnds.push(chunk.step);
    this.bias = Array.from(chunk.selection_bias);
  }

  get steps(): number {
    return this.loss.length;
  }
}

/** Copies of a series for a component to draw; replaced after every chunk. */
export interface PaneView {
  loads: number[][]; // [step][E]
  loss: number[]; // [step]
  auxLoss: number[]; // [step]
  chunkEnds: number[];
  bias: number[]; // [E] b_e after the latest chunk
}

export const emptyView = (): PaneView => ({ loads: [], loss: [], auxLoss: [], chunkEnds: [], bias: [] });

export function viewOf(series: RunSeries): PaneView {
  return { loads: series.loads.slice(), loss: series.loss.slice(), auxLoss: series.auxLoss.slice(), chunkEnds: series.chunkEnds.slice(), bias: series.bias.slice() };
}

/** Index of the largest value (the lower index on ties), -1 for an empty list: the busiest expert. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i] > values[best]) best = i;
  return best;
}
