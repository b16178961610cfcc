// The language model's wasm module (build/wasm/moe_lm.mjs + .wasm, engine/wasm/lm_bindings.cpp),
// loaded in the engine worker the first time a page asks for a model (EngineCore.ensureLm). Its
// script and wasm are chunks of their own, so lessons without a model never download them. One
// thread: the model is small, and the plain build runs on every page, isolated or not.
import lmWasmUrl from '@engine-wasm/moe_lm.wasm?url';
import type { MoeLmModule } from '@engine-wasm/moe_lm.mjs';
import { withWasmFrom } from './wasm-fetch';

export async function loadLmModule(): Promise<MoeLmModule> {
  const wasm = fetch(lmWasmUrl, { credentials: 'same-origin' });
  const { default: create } = await import('@engine-wasm/moe_lm.mjs');
  return withWasmFrom(wasm, create)({});
}
