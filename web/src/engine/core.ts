// EngineCore: the synchronous, documented wrapper of the WebAssembly engine. It owns every wasm
// object it creates (layers are cached by spec and deleted when replaced or on dispose), turns
// every failure into a `Result` error value, and copies results out of the wasm heap so they stay
// valid after the next call. Runs in a Web Worker (worker.ts) and in Node (tests).
//
// Under Node, Emscripten 3.1.6's ES module touches `__dirname`/`require` at load and would try to
// fetch() a file path: pass `wasmBinary` (bytes read with fs) and provide those globals.
import createMoeEngine from '@engine-wasm/moe_engine.mjs';
import type { MoeEngineModule, RawLayer, RawTrace } from '@engine-wasm/moe_engine.mjs';
import type { Embedding, LayerSpec, Result, Trace } from './types';

export interface EngineLoadOptions {
  /** The bytes of moe_engine.wasm; skips fetching it (required under Node). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Maps a file the module needs (`moe_engine.wasm`) to its URL, e.g. a Vite `?url` import. */
  locateFile?: (path: string) => string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A trace whose arrays are copies, no longer views of the wasm heap. */
function copyTrace(t: RawTrace): Trace {
  return {
    tokens: t.tokens,
    d_model: t.d_model,
    num_experts: t.num_experts,
    top_k: t.top_k,
    router_logits: t.router_logits.slice(),
    router_probs: t.router_probs.slice(),
    topk_ids: t.topk_ids.slice(),
    topk_weights: t.topk_weights.slice(),
    expert_outputs: t.expert_outputs.slice(),
    output: t.output.slice(),
    expert_load: t.expert_load.slice(),
    aux_loss: t.aux_loss,
  };
}

export class EngineCore {
  private layer: RawLayer | null = null;
  private layerKey = '';
  private disposed = false;

  private constructor(private readonly module: MoeEngineModule) {}

  /** Instantiates the wasm module. Rejects only if the module itself cannot load. */
  static async load(options: EngineLoadOptions = {}): Promise<EngineCore> {
    const { wasmBinary, locateFile } = options;
    const module = await createMoeEngine({
      ...(wasmBinary ? { wasmBinary } : {}),
      ...(locateFile ? { locateFile: (path: string) => locateFile(path) } : {}),
    });
    return new EngineCore(module);
  }

  /**
   * One MoE forward pass of the layer `spec` over `tokens` tokens; `input` is [tokens, d_model]
   * row-major. The layer is built once per distinct spec (compared as JSON) and reused; a new
   * spec deletes the previous layer. Errors (`config.top_k: ...`, `input: ...`) come back as
   * values and leave the engine usable.
   */
  forward(spec: LayerSpec, input: Float32Array, tokens: number): Result<Trace> {
    if (this.disposed) return { ok: false, error: 'engine: disposed' };
    try {
      const key = JSON.stringify(spec);
      if (typeof key !== 'string') return { ok: false, error: 'spec: must be an object' };
      if (this.layer === null || key !== this.layerKey) {
        const created = this.module.createLayer(key);
        if (!created.ok) return { ok: false, error: created.error };
        this.layer?.delete();
        this.layer = created.layer;
        this.layerKey = key;
      }
      if (!(input instanceof Float32Array)) return { ok: false, error: 'input: must be a Float32Array' };
      if (typeof tokens !== 'number') return { ok: false, error: 'input.tokens: must be a number' };
      const run = this.layer.forward(input, tokens);
      if (!run.ok) return { ok: false, error: run.error };
      return { ok: true, value: copyTrace(run.trace) };
    } catch (err) {
      return { ok: false, error: `engine: ${message(err)}` };
    }
  }

  /** The interpretable embedding of `text`: tokens, the 8 feature names, features [T, 8]. */
  embed(text: string): Result<Embedding> {
    if (this.disposed) return { ok: false, error: 'engine: disposed' };
    if (typeof text !== 'string') return { ok: false, error: 'text: must be a string' };
    try {
      const r = this.module.embedText(text);
      if (!r.ok) return { ok: false, error: r.error };
      return { ok: true, value: { tokens: r.tokens, feature_names: r.feature_names, features: r.features } };
    } catch (err) {
      return { ok: false, error: `engine: ${message(err)}` };
    }
  }

  /** Frees the cached layer. Later calls return an error value. */
  dispose(): void {
    this.layer?.delete();
    this.layer = null;
    this.layerKey = '';
    this.disposed = true;
  }
}
