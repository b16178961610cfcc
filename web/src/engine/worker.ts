// The engine's Web Worker: loads the WebAssembly engine once, then answers
// {id, method, args} requests with {id, result}. Keeps heavy work off the page.
import { loadEngine } from './load';
import { isMethodName, needsLmModule } from './api';
import { errorText, handleRequest, portable } from './rpc';
import type { Hello, Reply, Request, ThreadsChanged } from './rpc';

// The page's tsconfig uses the DOM lib; this is the part of the worker scope we touch.
const scope = self as unknown as {
  postMessage(message: Reply | Hello | ThreadsChanged, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};
// The threaded build when the page is cross-origin isolated, the plain one otherwise (load.ts).
const loaded = loadEngine();
const loading = loaded.then(({ core }) => core);
loading.catch(() => {}); // reported once below, by the hello message

loaded.then(
  ({ threads }) => scope.postMessage({ id: 0, ready: true, threads } satisfies Hello),
  (err: unknown) => scope.postMessage({ id: 0, ready: false, error: `engine failed to load: ${errorText(err)}` } satisfies Hello),
);

// The threaded build's second thread starts after the first answer, so its Worker does not
// compete with the page for the CPU while the first lesson is being shown.
let threadsStarted = false;
function startMoreThreads(): void {
  if (threadsStarted) return;
  threadsStarted = true;
  void loaded.then(({ moreThreads }) =>
    moreThreads?.().then(
      (n) => scope.postMessage({ id: 0, threads: n } satisfies ThreadsChanged),
      // One thread still gives the same numbers: say why in the console and go on.
      (err: unknown) => console.warn(`engine: staying on one thread: ${errorText(err)}`),
    ),
  );
}

scope.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  try {
    const engine = await loading;
    // The language model's module is fetched before the first call that needs it.
    if (isMethodName(request.method) && needsLmModule(request.method)) {
      const ready = await engine.ensureLm();
      if (!ready.ok) {
        scope.postMessage({ id: request.id, result: ready });
        return;
      }
    }
    const { reply, transfer } = portable(handleRequest(engine, request));
    scope.postMessage(reply, transfer);
    setTimeout(startMoreThreads, 0);
  } catch (err) {
    scope.postMessage({ id: request.id, result: { ok: false, error: `engine failed to load: ${errorText(err)}` } });
  }
};
