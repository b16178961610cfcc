// The engine's API table (web/src/engine/api.ts) held against the embind module: its declaration
// (engine/wasm/moe_engine.d.mts, checked when tsc compiles this file) and the loaded wasm build
// (checked when vitest runs it). A function added to the bindings, or a call added to the table,
// without the other side fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { MoeEngineModule, RawLayer, RawTrainer } from '../../engine/wasm/moe_engine.mjs';
import type { MoeLmModule, RawLm, RawLmTrainer } from '../../engine/wasm/moe_lm.mjs';
import { engineApi, methodNames, needsLmModule } from '../../web/src/engine/api';
import type { ArgsOf, EngineApi, EngineMethods, MethodName, ValueOf } from '../../web/src/engine/api';
import { Engine } from '../../web/src/engine/client';
import type { EngineCore } from '../../web/src/engine/core';
import { handleRequest } from '../../web/src/engine/rpc';
import type { Call } from '../../web/src/engine/rpc';
import type { LayerSpec, Result, Trace } from '../../web/src/engine/types';
import { loadRawLmModule, loadRawModule, repo } from './wasm-engine';

// ---- Compile-time: `npx tsc --noEmit -p tsconfig.json` fails on any line below that no longer holds.

type FunctionKeys<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;
/** Every function the module's declaration names: free functions, and methods of the objects it returns. */
type DeclaredRaw =
  | FunctionKeys<MoeEngineModule>
  | FunctionKeys<MoeLmModule>
  | `layer.${FunctionKeys<RawLayer>}`
  | `trainer.${FunctionKeys<RawTrainer>}`
  | `lm.${FunctionKeys<RawLm>}`
  | `lmTrainer.${FunctionKeys<RawLmTrainer>}`;
/** Every raw function some call of the table says it reaches. */
type ReachedRaw = EngineApi[MethodName]['raw'][number];

// A binding declared but reached by no call (a call is missing from the table):
expectTypeOf<Exclude<DeclaredRaw, ReachedRaw>>().toEqualTypeOf<never>();
// A call that names a binding the declaration does not have:
expectTypeOf<Exclude<ReachedRaw, DeclaredRaw>>().toEqualTypeOf<never>();
// Calls that hand their arguments straight to one binding take exactly that binding's arguments.
expectTypeOf<ArgsOf<'solveActive'>>().toEqualTypeOf<Parameters<MoeEngineModule['solveActive']>>();
expectTypeOf<ArgsOf<'expertCapacity'>>().toEqualTypeOf<Parameters<MoeEngineModule['expertCapacity']>>();
expectTypeOf<ArgsOf<'trainingMemory'>>().toEqualTypeOf<Parameters<MoeEngineModule['trainingMemory']>>();
expectTypeOf<ArgsOf<'modRoute'>>().toEqualTypeOf<Parameters<MoeEngineModule['modRoute']>>();
expectTypeOf<ArgsOf<'trainAssign'>>().toEqualTypeOf<[number, ...Parameters<RawTrainer['assign']>]>();
// The three derived sides have exactly the table's calls, with its types.
expectTypeOf<EngineCore>().toMatchTypeOf<EngineMethods>();
expectTypeOf<Engine['forward']>().toEqualTypeOf<(spec: LayerSpec, input: Float32Array, tokens: number) => Promise<Result<Trace>>>();
expectTypeOf<Exclude<Call['method'], 'ping'>>().toEqualTypeOf<MethodName>();
expectTypeOf<Extract<Call, { method: 'trainRun' }>['args']>().toEqualTypeOf<[number, number]>();
expectTypeOf<ValueOf<'trainCreate'>>().toEqualTypeOf<number>();
expectTypeOf<Extract<Call, { method: 'lmGenerateNext' }>['args']>().toEqualTypeOf<[number, number]>();

// ---- Run time: the table against the real build and the derived sides.

/** Free functions embind registered on the module: they carry `argCount` (classes do not). */
function boundFunctions(module: object): string[] {
  return Object.entries(module)
    .filter(([, v]) => typeof v === 'function' && typeof (v as { argCount?: unknown }).argCount === 'number')
    .map(([k]) => k)
    .sort();
}

/**
 * The thread-count bindings are the loader's (web/src/engine/load.ts), not calls of the table:
 * their names as engine/wasm/thread_bindings.cpp registers them.
 */
const threadBindings = [...readFileSync(path.join(repo, 'engine/wasm/thread_bindings.cpp'), 'utf8').matchAll(/emscripten::function\("(\w+)"/g)].map(
  (m) => m[1],
);

/** Methods embind registered on a bound class (own, non-accessor members of its prototype). */
function boundMethods(object: object): string[] {
  const proto = Object.getPrototypeOf(object) as object;
  return Object.entries(Object.getOwnPropertyDescriptors(proto))
    .filter(([name, d]) => name !== 'constructor' && typeof d.value === 'function')
    .map(([name]) => name)
    .sort();
}

function reached(prefix: '' | 'layer.' | 'trainer.' | 'lm.' | 'lmTrainer.', calls: readonly MethodName[] = methodNames): string[] {
  const all = new Set(calls.flatMap((m): readonly string[] => engineApi[m].raw));
  const names = [...all].filter((n) => (prefix === '' ? !n.includes('.') : n.startsWith(prefix)));
  return names.map((n) => n.slice(prefix.length)).sort();
}

/** The calls of each wasm module: the language model's (`module: 'lm'`) and the engine's. */
const lmCalls = methodNames.filter(needsLmModule);
const engineCalls = methodNames.filter((m) => !needsLmModule(m));

describe('engine API table against the wasm build', () => {
  let module: MoeEngineModule;
  let lmModule: MoeLmModule;
  beforeAll(async () => {
    module = await loadRawModule();
    lmModule = await loadRawLmModule();
  });

  it('reaches every free function the bindings register, and no other, each in its own module', () => {
    expect(threadBindings).toContain('setThreads');
    expect(reached('', engineCalls)).toEqual(boundFunctions(module).filter((name) => !threadBindings.includes(name)));
    expect(lmCalls).toContain('lmLoad');
    expect(reached('', lmCalls)).toEqual(boundFunctions(lmModule));
    // A call the worker answers without the language model's module reaches none of it.
    expect(reached('lm.', engineCalls)).toEqual([]);
    expect(reached('lmTrainer.', engineCalls)).toEqual([]);
  });

  it('reaches every method of a bound language model that exists', () => {
    const dir = path.join(repo, 'tests/oracle-lm/mixtral_tiny_l2_e4_top2');
    const created = lmModule.createLm(readFileSync(path.join(dir, 'config.json'), 'utf8'), new Uint8Array(readFileSync(path.join(dir, 'model.safetensors'))), '');
    if (!created.ok) throw new Error(created.error);
    try {
      expect(boundMethods(created.lm)).toContain('generateNext');
      for (const name of boundMethods(created.lm)) expect(reached('lm.')).toContain(name);
      for (const name of reached('lm.')) expect(typeof (created.lm as unknown as Record<string, unknown>)[name]).toBe('function');
    } finally {
      created.lm.delete();
    }
  });

  it('reaches every method of a bound layer and trainer that exists', () => {
    const created = module.createLayer(JSON.stringify({ config: { d_model: 4, d_ff: 8, num_experts: 2, top_k: 1, router_kind: 'softmax_topk', activation: 'relu', expert_kind: 'mlp' }, seed: 1 }));
    const trainer = module.createTrainer(JSON.stringify({ task: 'tokens' }));
    if (!created.ok) throw new Error(created.error);
    if (!trainer.ok) throw new Error(trainer.error);
    try {
      // Methods bound on each class (delete comes from embind's base class, declared in the .d.mts).
      expect(boundMethods(created.layer)).toContain('forward');
      expect(boundMethods(trainer.trainer)).toContain('run');
      for (const name of boundMethods(created.layer)) expect(reached('layer.')).toContain(name);
      for (const name of boundMethods(trainer.trainer)) expect(reached('trainer.')).toContain(name);
      for (const name of reached('layer.')) expect(typeof (created.layer as unknown as Record<string, unknown>)[name]).toBe('function');
      for (const name of reached('trainer.')) expect(typeof (trainer.trainer as unknown as Record<string, unknown>)[name]).toBe('function');
    } finally {
      created.layer.delete();
      trainer.trainer.delete();
    }
  });
});

describe('sides derived from the engine API table', () => {
  it('gives the page-side Engine one method per call, each sending that call to the worker', () => {
    const sent: unknown[] = [];
    const engine = Engine.start(() => ({ postMessage: (m: unknown) => sent.push(m), terminate() {}, onmessage: null, onerror: null }));
    for (const name of methodNames) {
      const method = (engine as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
      expect(typeof method).toBe('function');
      void method.call(engine, 'a', 2);
    }
    expect(sent).toEqual(methodNames.map((method, i) => ({ id: i + 1, method, args: ['a', 2] })));
    engine.dispose();
  });

  it('routes every call of the table to the engine method of the same name', () => {
    const seen: string[] = [];
    const engine = new Proxy({} as EngineMethods, {
      get: (_target, name) => (...args: unknown[]) => (seen.push(`${String(name)}(${args.join(',')})`), { ok: true, value: name }),
    });
    for (const [i, method] of methodNames.entries()) {
      const reply = handleRequest(engine, { id: i + 1, method, args: [i] } as never);
      expect(reply).toEqual({ id: i + 1, result: { ok: true, value: method } });
    }
    expect(seen).toEqual(methodNames.map((m, i) => `${m}(${i})`));
  });
});
