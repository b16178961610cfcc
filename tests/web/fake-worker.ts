// A stand-in for the engine's Web Worker, for tests of the page-side client (web/src/engine/client.ts):
// it records what the client sends, and the test plays the worker's replies and crashes.
import { Engine } from '../../web/src/engine/client';
import type { WorkerLike } from '../../web/src/engine/client';
import type { Request } from '../../web/src/engine/rpc';

export class FakeWorker implements WorkerLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  sent: Request[] = [];
  terminated = false;
  postMessage(message: unknown) {
    this.sent.push(message as Request);
  }
  terminate() {
    this.terminated = true;
  }
  reply(data: unknown) {
    this.onmessage?.({ data } as MessageEvent);
  }
  die(message: string) {
    this.onerror?.({ message, preventDefault() {} } as ErrorEvent);
  }
}

/** An Engine whose workers are FakeWorkers; `workers` lists each one it started, in order. */
export function startWithFakes() {
  const workers: FakeWorker[] = [];
  const engine = Engine.start(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w;
  });
  return { engine, workers };
}
