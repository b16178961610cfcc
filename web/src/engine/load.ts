// Which engine build the worker loads. A cross-origin isolated page (COOP/COEP headers, so
// SharedArrayBuffer exists) gets the threaded build (build/wasm-mt: -pthread) and runs the layer
// forward on 2 threads once its second thread's pthread Worker has loaded (loadThreaded below);
// any other page gets the plain single-threaded build. Both compute bit-identical numbers (tests/engine/test_threads.cpp).
//
// The threaded build is three files taken as plain assets, not bundled: its ES module (the
// pthread Workers import it again by URL: `mainScriptUrlOrBlob`), its pthread Worker script and
// its wasm. The glob is empty when build/wasm-mt was never built; then every page is single-threaded.
// Either build's script is loaded on demand, and its wasm is fetched at the same time (withWasmFrom).
import plainWasmUrl from '@engine-wasm/moe_engine.wasm?url';
import type createMoeEngine from '@engine-wasm/moe_engine.mjs';
import { EngineCore } from './core';
import { withWasmFrom } from './wasm-fetch';

type CreateModule = typeof createMoeEngine;

/** Threads the layer forward uses in the threaded build. */
export const THREADS_WHEN_ISOLATED = 2;

const mtFiles = import.meta.glob<string>('@engine-wasm-mt/moe_engine.{mjs,worker.js,wasm}', {
  query: '?url&no-inline',
  import: 'default',
  eager: true,
});

/** What the threaded build's module offers beyond the plain one's. */
type ThreadedModule = {
  setThreads(n: number): { ok: true; threads: number } | { ok: false; error: string };
  /** Emscripten's pthread runtime: `loaded` is set on a thread's Worker once it has the wasm. */
  PThread: { runningWorkers: { loaded?: boolean }[] };
};

export interface LoadedEngine {
  core: EngineCore;
  /** Threads of the layer forward now: 1 (the threaded build starts on one thread, see below). */
  threads: number;
  /** Threaded build only: starts the second thread; resolves with THREADS_WHEN_ISOLATED once it is on. */
  moreThreads?: () => Promise<number>;
}

/** The URL of the threaded build's file that ends with `suffix`, or undefined if not built. */
function mtFile(suffix: string): string | undefined {
  const key = Object.keys(mtFiles).find((k) => k.endsWith(`/moe_engine.${suffix}`));
  return key ? mtFiles[key] : undefined;
}

/** True where SharedArrayBuffer works: the page (and so this worker) is cross-origin isolated. */
export function canUseThreads(scope: { crossOriginIsolated?: boolean } = globalThis): boolean {
  return scope.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}

export async function loadEngine(): Promise<LoadedEngine> {
  const script = mtFile('mjs');
  const pthreadWorker = mtFile('worker.js');
  const wasm = mtFile('wasm');
  // The dev server rewrites the pthread Worker script as a module (its import analysis), which a
  // classic Worker cannot run: threads are for the production build (npm start, e2e, bench).
  if (import.meta.env.DEV || !canUseThreads() || !script || !pthreadWorker || !wasm) return loadPlain();
  try {
    return await loadThreaded(script, pthreadWorker, wasm);
  } catch (err) {
    // A browser that refuses the threaded build still gets a working engine.
    console.warn(`engine: the threaded build failed to load, using one thread: ${err instanceof Error ? err.message : String(err)}`);
    return loadPlain();
  }
}

/** The single-threaded build: its script is a chunk of its own, so the threaded path never downloads it. */
async function loadPlain(): Promise<LoadedEngine> {
  const wasmResponse = fetch(plainWasmUrl, { credentials: 'same-origin' });
  const { default: createPlain } = await import('@engine-wasm/moe_engine.mjs');
  return { core: await EngineCore.load({ create: withWasmFrom(wasmResponse, createPlain) }), threads: 1 };
}

async function loadThreaded(script: string, pthreadWorker: string, wasm: string): Promise<LoadedEngine> {
  // Absolute, so the pthread Workers (in another folder's script) import the same file.
  const scriptUrl = new URL(script, self.location.href).href;
  const wasmResponse = fetch(wasm, { credentials: 'same-origin' });
  const { default: createThreaded } = (await import(/* @vite-ignore */ scriptUrl)) as { default: CreateModule };
  let threaded: ThreadedModule | undefined;
  const fromResponse = withWasmFrom(wasmResponse, createThreaded);
  const create: CreateModule = async (options) => {
    const module = await fromResponse({ ...options, mainScriptUrlOrBlob: scriptUrl } as Parameters<CreateModule>[0]);
    threaded = module as unknown as ThreadedModule;
    return module;
  };
  const core = await EngineCore.load({
    create,
    locateFile: (path) => (path.endsWith('.worker.js') ? new URL(pthreadWorker, self.location.href).href : wasm),
  });
  // The module has no Worker pool (CMakeLists.txt): it answers on one thread, and the worker calls
  // moreThreads() once the first numbers are out. Creating a thread starts its pthread Worker,
  // which takes ~0.3 s to load; a job handed to a thread whose Worker has not loaded would block
  // this worker for good (that Worker's start needs this event loop). So: create the threads, go
  // back to one, and use them once their Workers have loaded.
  const module = threaded!;
  const moreThreads = async () => {
    const created = module.setThreads(THREADS_WHEN_ISOLATED);
    if (!created.ok) throw new Error(created.error);
    module.setThreads(1);
    await workersLoaded(module);
    const set = module.setThreads(THREADS_WHEN_ISOLATED);
    if (!set.ok) throw new Error(set.error);
    return set.threads;
  };
  return { core, threads: 1, moreThreads };
}

/**
 * Resolves once every thread's Worker has loaded the wasm (Emscripten 3.1.6 has no event for it);
 * rejects if that takes longer than `limitMs` (a Worker that cannot load: stay on one thread).
 */
function workersLoaded(module: ThreadedModule, everyMs = 10, limitMs = 20_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const look = () => {
      if (module.PThread.runningWorkers.every((w) => w.loaded)) resolve();
      else if (Date.now() - started > limitMs) reject(new Error(`the thread Workers did not load within ${limitMs / 1000} s`));
      else setTimeout(look, everyMs);
    };
    look();
  });
}
