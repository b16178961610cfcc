// The page-side engine handle. Every call goes to the engine's Web Worker and
// comes back as a Result; nothing here throws at a widget. If the worker dies
// (a crash, out of memory), calls in flight get an error value and a fresh
// worker is started for the next call.
import type { DenseBaselineKind, ModRoute } from './types';
import type { CommSpec, CommVolume, TrainingMemory } from './types';
import type { ActiveSolve, CostConfig, CostReport, Embedding, ExpertProbe, ForwardTiming, LayerSpec, Result, Trace } from './types';
import type { TrainAssignment, TrainChunk, TrainConfig, TrainStats, TrainTiming } from './types';
import type { Call, Hello, Reply, Request, ThreadsChanged, TimingOptions, TrainTimingOptions } from './rpc';

/** The subset of Worker the client uses; tests pass a fake. */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  onmessageerror?: ((event: MessageEvent) => void) | null;
}

export type WorkerFactory = () => WorkerLike;

const defaultWorker: WorkerFactory = () =>
  new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'moe-engine' });

type Pending = (result: Result<unknown>) => void;

/**
 * Error texts that mean the WebAssembly module itself broke (a trap or an abort: out of memory,
 * unreachable code, an out-of-bounds access), not that a request was refused. After one of these
 * the module's memory cannot be trusted, so the worker is replaced by a fresh one.
 */
const trapPattern = /\b(RuntimeError|unreachable|memory access out of bounds|out of memory|Aborted\(|abort\(|Cannot enlarge memory|call stack size exceeded|table index is out of bounds|integer overflow|divide by zero)/i;

export function isTrap(error: string): boolean {
  return trapPattern.test(error);
}

export class Engine {
  /** Resolves when the engine has loaded; rejects with a readable message if it cannot. */
  ready!: Promise<void>;
  /** Threads of the engine's layer forward: 1 at first, 2 soon after ready when the page is cross-origin isolated. */
  threads = 1;
  /** Called when `threads` changes after ready (the threaded build's second thread is on). */
  onthreads: ((threads: number) => void) | null = null;
  /** How many times the worker has been restarted after dying. */
  restarts = 0;
  /** Called with a readable reason each time the worker is restarted (the page shows a notice). */
  onrestart: ((reason: string) => void) | null = null;

  private worker!: WorkerLike;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Set when the engine cannot start at all; every call then answers with it. */
  private failure: string | null = null;

  private constructor(private readonly createWorker: WorkerFactory) {
    this.spawn();
  }

  static start(createWorker: WorkerFactory = defaultWorker): Engine {
    return new Engine(createWorker);
  }

  forward(spec: LayerSpec, input: Float32Array, tokens: number): Promise<Result<Trace>> {
    return this.call({ method: 'forward', args: [spec, input, tokens] }) as Promise<Result<Trace>>;
  }

  embed(text: string): Promise<Result<Embedding>> {
    return this.call({ method: 'embed', args: [text] }) as Promise<Result<Embedding>>;
  }

  /** Total and active parameters and FLOPs per token (engine `layer_cost`). */
  cost(config: CostConfig): Promise<Result<CostReport>> {
    return this.call({ method: 'cost', args: [config] }) as Promise<Result<CostReport>>;
  }

  /** Active parameters from a total size, a shared share, E and k (engine `solve_active_from_total`). */
  solveActive(totalParams: number, sharedFraction: number, numExperts: number, topK: number): Promise<Result<ActiveSolve>> {
    return this.call({ method: 'solveActive', args: [totalParams, sharedFraction, numExperts, topK] }) as Promise<Result<ActiveSolve>>;
  }

  /** Expert capacity for a factor, a group of tokens, E and k (engine `expert_capacity_for`). */
  expertCapacity(capacityFactor: number, tokens: number, numExperts: number, topK: number): Promise<Result<number>> {
    return this.call({ method: 'expertCapacity', args: [capacityFactor, tokens, numExperts, topK] }) as Promise<Result<number>>;
  }

  /** One expert's intermediates for one token (engine `expert_probe`). */
  probeExpert(spec: LayerSpec, expert: number, input: Float32Array): Promise<Result<ExpertProbe>> {
    return this.call({ method: 'probeExpert', args: [spec, expert, input] }) as Promise<Result<ExpertProbe>>;
  }

  /** All-to-all bytes of one routed batch spread over devices (engine `all_to_all_volume`). */
  commVolume(spec: CommSpec): Promise<Result<CommVolume>> {
    return this.call({ method: 'commVolume', args: [spec] }) as Promise<Result<CommVolume>>;
  }

  /** Parameter memory in serving and training (engine `training_memory`). */
  trainingMemory(totalParams: number, bytesPerValue: number): Promise<Result<TrainingMemory>> {
    return this.call({ method: 'trainingMemory', args: [totalParams, bytesPerValue] }) as Promise<Result<TrainingMemory>>;
  }

  /** Times repeated forward passes inside the worker, on this device (see EngineCore.timeForward). */
  timeForward(spec: LayerSpec, input: Float32Array, tokens: number, options?: TimingOptions): Promise<Result<ForwardTiming>> {
    return this.call({ method: 'timeForward', args: [spec, input, tokens, options] }) as Promise<Result<ForwardTiming>>;
  }

  // ---- Live training (EngineCore.train*): a trainer lives in the worker and is named by its id.
  // Train in chunks (trainRun) so the page can draw, and cancel between chunks.

  /** Creates a trainer from `config` (engine/README.md "Training config"); resolves to its id. */
  trainCreate(config: TrainConfig): Promise<Result<number>> {
    return this.call({ method: 'trainCreate', args: [config] }) as Promise<Result<number>>;
  }

  /** Trains `steps` more steps of trainer `id`: per-step loss, aux loss and expert loads. */
  trainRun(id: number, steps: number): Promise<Result<TrainChunk>> {
    return this.call({ method: 'trainRun', args: [id, steps] }) as Promise<Result<TrainChunk>>;
  }

  /** Load fractions, load CV, busiest share, loss and NMI of trainer `id` over its whole dataset. */
  trainStats(id: number): Promise<Result<TrainStats>> {
    return this.call({ method: 'trainStats', args: [id] }) as Promise<Result<TrainStats>>;
  }

  /** Top-1 expert of each token of `text` under trainer `id` (tokens task). */
  trainAssign(id: number, text: string): Promise<Result<TrainAssignment>> {
    return this.call({ method: 'trainAssign', args: [id, text] }) as Promise<Result<TrainAssignment>>;
  }

  /** Times run(`steps`) of trainer `id` inside the worker (it keeps training; see EngineCore.trainTime). */
  trainTime(id: number, steps: number, options?: TrainTimingOptions): Promise<Result<TrainTiming>> {
    return this.call({ method: 'trainTime', args: [id, steps, options] }) as Promise<Result<TrainTiming>>;
  }

  /** Frees trainer `id` in the worker; unknown ids are ignored. */
  trainDelete(id: number): Promise<Result<unknown>> {
    return this.call({ method: 'trainDelete', args: [id] });
  }

  /** Mixture-of-Depths routing of [sequences, seqLen, dModel] tokens (EngineCore.modRoute). */
  modRoute(input: Float32Array, sequences: number, seqLen: number, dModel: number, routerWeight: Float32Array, capacity: number): Promise<Result<ModRoute>> {
    return this.call({ method: 'modRoute', args: [input, sequences, seqLen, dModel, routerWeight, capacity] }) as Promise<Result<ModRoute>>;
  }

  /** The dense FFN spec with the same total or active parameters (EngineCore.denseBaseline). */
  denseBaseline(spec: LayerSpec, which: DenseBaselineKind): Promise<Result<LayerSpec>> {
    return this.call({ method: 'denseBaseline', args: [spec, which] }) as Promise<Result<LayerSpec>>;
  }

  dispose(): void {
    this.failPending('engine: stopped');
    this.worker.terminate();
  }

  private call(call: Call): Promise<Result<unknown>> {
    if (this.failure) return Promise.resolve({ ok: false, error: this.failure });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      try {
        this.worker.postMessage({ id, ...call } satisfies Request);
      } catch (err) {
        this.pending.delete(id);
        resolve({ ok: false, error: `engine: could not send ${call.method}: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
  }

  private spawn(): void {
    let settle!: { resolve: () => void; reject: (err: Error) => void };
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // A rejected `ready` that nobody awaits must not become an unhandled rejection.
    this.ready.catch(() => {});

    const worker = this.createWorker();
    this.worker = worker;
    let loaded = false;
    worker.onmessage = (event: MessageEvent<Reply | Hello | ThreadsChanged>) => {
      const message = event.data;
      if (message.id === 0 && !('ready' in message) && 'threads' in message) {
        this.threads = message.threads;
        this.onthreads?.(message.threads);
        return;
      }
      if (message.id === 0 && 'ready' in message) {
        if (message.ready) {
          loaded = true;
          this.threads = message.threads ?? 1;
          settle.resolve();
        } else {
          this.fail(message.error);
          settle.reject(new Error(message.error));
        }
        return;
      }
      const reply = message as Reply;
      const resolve = this.pending.get(reply.id);
      if (!resolve) return;
      this.pending.delete(reply.id);
      const result = reply.result;
      if (result && !result.ok && typeof result.error === 'string' && isTrap(result.error) && this.worker === worker) {
        // The engine trapped inside this call: answer it, then start over with a fresh module.
        const reason = `engine: the engine crashed (${result.error.replace(/^engine:\s*/, '')}) and was restarted; try again`;
        resolve({ ok: false, error: reason });
        this.restart(reason);
        return;
      }
      resolve(result);
    };
    worker.onerror = (event) => {
      event.preventDefault?.(); // handled here: keep it out of the console as an uncaught error
      if (this.worker !== worker) return;
      const detail = event.message ?? '';
      if (!loaded) {
        // It never started: restarting would only fail the same way again.
        const reason = `engine failed to start${detail ? `: ${detail}` : ''}`;
        this.fail(reason);
        settle.reject(new Error(reason));
        return;
      }
      this.restart(`engine: the worker stopped${detail ? ` (${detail})` : ''} and was restarted; try again`);
    };
    worker.onmessageerror = () => this.failPending('engine: a reply could not be read');
  }

  private restart(reason: string): void {
    this.failPending(reason);
    this.worker.terminate();
    this.restarts += 1;
    this.spawn();
    try {
      this.onrestart?.(reason);
    } catch {
      // a listener's failure must not stop the engine
    }
  }

  private fail(reason: string): void {
    this.failure = reason;
    this.failPending(reason);
  }

  private failPending(reason: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve({ ok: false, error: reason });
  }
}
