// Which engine build the worker loads. A cross-origin isolated page (COOP/COEP headers, so
// SharedArrayBuffer exists) gets the threaded build (build/wasm-mt: -pthread, a pool of two pthread
// Workers) and runs the layer forward on 2 threads; any other page gets the plain single-threaded
// build. Both compute bit-identical numbers (tests/engine/test_threads.cpp).
//
// The threaded build is three files taken as plain assets, not bundled: its ES module (the
// pthread Workers import it again by URL: `mainScriptUrlOrBlob`), its pthread Worker script and
// its wasm. The glob is empty when build/wasm-mt was never built; then every page is single-threaded.
import plainWasmUrl from '@engine-wasm/moe_engine.wasm?url';
import type createMoeEngine from '@engine-wasm/moe_engine.mjs';
import { EngineCore } from './core';

/** Threads the layer forward uses in the threaded build. */
export const THREADS_WHEN_ISOLATED = 2;

const mtFiles = import.meta.glob<string>('@engine-wasm-mt/moe_engine.{mjs,worker.js,wasm}', {
  query: '?url&no-inline',
  import: 'default',
  eager: true,
});

type ThreadControls = {
  setThreads(n: number): { ok: true; threads: number } | { ok: false; error: string };
};

export interface LoadedEngine {
  core: EngineCore;
  /** Threads of the layer forward: 1, or THREADS_WHEN_ISOLATED in the threaded build. */
  threads: number;
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
  if (import.meta.env.DEV || !canUseThreads() || !script || !pthreadWorker || !wasm) {
    return { core: await EngineCore.load({ locateFile: () => plainWasmUrl }), threads: 1 };
  }
  try {
    return await loadThreaded(script, pthreadWorker, wasm);
  } catch (err) {
    // A browser that refuses the threaded build still gets a working engine.
    console.warn(`engine: the threaded build failed to load, using one thread: ${err instanceof Error ? err.message : String(err)}`);
    return { core: await EngineCore.load({ locateFile: () => plainWasmUrl }), threads: 1 };
  }
}

async function loadThreaded(script: string, pthreadWorker: string, wasm: string): Promise<LoadedEngine> {
  // Absolute, so the pthread Workers (in another folder's script) import the same file.
  const scriptUrl = new URL(script, self.location.href).href;
  const { default: createThreaded } = (await import(/* @vite-ignore */ scriptUrl)) as { default: typeof createMoeEngine };
  const create: typeof createMoeEngine = async (options) => {
    const module = await createThreaded({ ...options, mainScriptUrlOrBlob: scriptUrl } as Parameters<typeof createMoeEngine>[0]);
    const set = (module as unknown as ThreadControls).setThreads(THREADS_WHEN_ISOLATED);
    if (!set.ok) throw new Error(set.error);
    return module;
  };
  const core = await EngineCore.load({
    create,
    locateFile: (path) => (path.endsWith('.worker.js') ? new URL(pthreadWorker, self.location.href).href : wasm),
  });
  return { core, threads: THREADS_WHEN_ISOLATED };
}
