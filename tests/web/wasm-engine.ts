// EngineCore over the real WebAssembly build, for the vitest files that need the engine:
// MOE_WASM_DIR (another build folder) or build/wasm. Import this before anything that imports
// web/src/engine/core, so the shims below exist when the Emscripten module loads.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { EngineCore } from '../../web/src/engine/core';
import type { MoeEngineModule } from '@engine-wasm/moe_engine.mjs';
import type { MoeLmModule } from '@engine-wasm/moe_lm.mjs';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const wasmDir = process.env.MOE_WASM_DIR ? path.resolve(process.env.MOE_WASM_DIR) : path.join(repo, 'build/wasm');

// Emscripten 3.1.6's ES module reads `__dirname` and calls `require('fs')` when it sees Node.
// These shims exist only in the test process; the browser and the worker never need them.
const g = globalThis as Record<string, unknown>;
g.__dirname ??= wasmDir;
g.require ??= createRequire(path.join(wasmDir, 'moe_engine.mjs'));

/**
 * A new EngineCore over the wasm build (each call instantiates the module afresh). The language
 * model's module (moe_lm.wasm) is read from the same folder when `core.ensureLm()` asks for it.
 */
export async function loadEngineCore(): Promise<EngineCore> {
  const { EngineCore } = await import('../../web/src/engine/core');
  return EngineCore.load({ wasmBinary: readFileSync(path.join(wasmDir, 'moe_engine.wasm')), lm: loadRawLmModule });
}

/** The language model's raw embind module (moe_lm.mjs) of the wasm build. */
export async function loadRawLmModule(): Promise<MoeLmModule> {
  const { default: create } = await import('@engine-wasm/moe_lm.mjs');
  return create({ wasmBinary: readFileSync(path.join(wasmDir, 'moe_lm.wasm')) });
}

/** The raw embind module of the wasm build, without the facade (tests of the bindings themselves). */
export async function loadRawModule(): Promise<MoeEngineModule> {
  const { default: create } = await import('@engine-wasm/moe_engine.mjs');
  return create({ wasmBinary: readFileSync(path.join(wasmDir, 'moe_engine.wasm')) });
}
