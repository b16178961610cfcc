// The page-side engine handle. Every call goes to the engine's Web Worker and
// comes back as a Result; nothing here throws at a widget. If the worker dies
// (a crash, out of memory), calls in flight get an error value and a fresh
// worker is started for the next call.
import { methodNames } from './api';
import type { EngineCalls, MethodName } from './api';
import type { Result } from './types';
import type { Hello, Reply, Request, ThreadsChanged } from './rpc';

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

/** One method per call of the engine's table (api.ts), each answered by the worker. */
export interface Engine extends EngineCalls {}

export class Engine {
  static {
    for (const name of methodNames) {
      Object.defineProperty(Engine.prototype, name, {
        value(this: Engine, ...args: unknown[]) {
          return this.call(name, args);
        },
        writable: true,
        configurable: true,
      });
    }
  }

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

  dispose(): void {
    this.failPending('engine: stopped');
    this.worker.terminate();
  }

  private call(method: MethodName, args: unknown[]): Promise<Result<unknown>> {
    if (this.failure) return Promise.resolve({ ok: false, error: this.failure });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      try {
        this.worker.postMessage({ id, method, args } as Request);
      } catch (err) {
        this.pending.delete(id);
        resolve({ ok: false, error: `engine: could not send ${method}: ${err instanceof Error ? err.message : String(err)}` });
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
