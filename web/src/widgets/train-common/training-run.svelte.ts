// One chunked training run of a widget, as reactive state: where it is (phase), how far it got,
// its final statistics, and the trainer a finished run leaves alive in the engine's worker (the
// widget may still ask it things, such as trainAssign). Starting again forgets the last trainer;
// a run overtaken by a newer start, or by dispose(), drops its results and its trainer.
import type { TrainChunk, TrainConfig, TrainStats } from '../../engine';
import { pauseFor, trainInChunks, type CancelToken, type TrainEngine } from './run';

export type RunPhase = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

/** The phase of several runs started together: running, error or cancelled if any one is, done when all are. */
export function combinedPhase(phases: RunPhase[]): RunPhase {
  for (const p of ['running', 'error', 'cancelled'] as const) if (phases.includes(p)) return p;
  return phases.length > 0 && phases.every((p) => p === 'done') ? 'done' : 'idle';
}

export interface StartOptions {
  steps: number;
  chunk: number;
  /** Pause between chunks, so the page paints each one. */
  pauseMs: number;
  /** Called for each chunk of this run (not for chunks of a run that was overtaken). */
  onChunk?: (chunk: TrainChunk) => void;
}

export class TrainingRun {
  phase = $state<RunPhase>('idle');
  error = $state('');
  /** Steps done so far, and the steps the current or last run was asked for. */
  done = $state(0);
  planned = $state(0);
  stats = $state.raw<TrainStats | null>(null);
  /** The finished run's trainer, alive in the worker until forget(); null otherwise. */
  trainerId = $state<number | null>(null);
  /** Steps per second over the last run, seen from the page. */
  rate = $state(0);
  #token: CancelToken | null = null;
  /** The engine, read at each use (a widget's engine prop). */
  readonly #engineOf: () => TrainEngine;

  constructor(engine: () => TrainEngine) {
    this.#engineOf = engine;
  }

  /** Trains `config`; resolves true when this run finished (phase 'done', stats set). */
  async start(config: TrainConfig, options: StartOptions): Promise<boolean> {
    this.forget();
    const cancel: CancelToken = { cancelled: false };
    this.#token = cancel;
    this.done = 0;
    this.planned = options.steps;
    this.stats = null;
    this.error = '';
    this.phase = 'running';
    const out = await trainInChunks(this.#engineOf(), config, {
      steps: options.steps,
      chunk: options.chunk,
      cancel,
      pause: pauseFor(options.pauseMs),
      onChunk: (chunk) => {
        if (this.#token !== cancel) return;
        this.done = chunk.step;
        options.onChunk?.(chunk);
      },
    });
    if (this.#token !== cancel) {
      if (out.ok && out.value.status === 'done') void this.#engineOf().trainDelete(out.value.id);
      return false;
    }
    this.#token = null;
    if (!out.ok) {
      this.phase = 'error';
      this.error = out.error;
      return false;
    }
    this.rate = out.value.engineMs > 0 ? (out.value.stepsDone * 1000) / out.value.engineMs : 0;
    if (out.value.status === 'cancelled') {
      this.phase = 'cancelled';
      return false;
    }
    this.trainerId = out.value.id;
    this.stats = out.value.stats;
    this.phase = 'done';
    return true;
  }

  /** Stops the run in flight after its current chunk. */
  cancel() {
    if (this.#token) this.#token.cancelled = true;
  }

  /** Frees the finished run's trainer in the worker. */
  forget() {
    if (this.trainerId !== null) void this.#engineOf().trainDelete(this.trainerId);
    this.trainerId = null;
  }

  /** Back to 'idle' with nothing kept (the widget's settings changed). */
  reset() {
    this.forget();
    this.stats = null;
    this.phase = 'idle';
  }

  /** For the widget's teardown: stops a run in flight and frees every trainer. */
  dispose() {
    this.cancel();
    this.#token = null;
    this.forget();
  }
}
