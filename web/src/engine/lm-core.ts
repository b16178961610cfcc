// LmModels: the language-model calls of EngineCore (core.ts delegates its lm* methods here). It
// loads the language model's own wasm module on demand (ensure(): the worker awaits it before the
// first lm* call, so pages without a model never download it), owns the loaded models (wasm
// objects, named by an id because objects cannot cross the worker boundary), converts text to and from UTF-8 with the platform's TextEncoder/TextDecoder (lone
// surrogates and pieces of a character become U+FFFD, never garbage), and turns every failure into
// a Result error value, so a bad file or prompt leaves the engine working.
import type { MoeLmModule, RawLm } from '@engine-wasm/moe_lm.mjs';
import type { LmFiles, LmGenerated, LmGenerateOptions, LmGenerateStart, LmInfo, LmText, LmTokens, LmTrace } from './lm-types';
import type { LmContinuation, LmEvalOptions, LmEvaluation, LmMaskedGenerateOptions } from './lm-types';
import type { LmAnalysis, LmAnalyzeOptions, LmNamedText } from './lm-types';
import type { Result } from './types';
import { guard, message, type Answer } from './guard';
import { WasmHandles } from './wasm-handles';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** The error of an lm* call made before EngineCore.ensureLm. */
export const LM_NOT_LOADED = { ok: false, error: "engine: the language model's module is not loaded yet (EngineCore.ensureLm)" } as const;

/**
 * `ids` as an Int32Array, or an error naming the first entry that is not a whole number in int32
 * range (Int32Array.from would silently truncate 1.5 and wrap 2^40).
 */
export function toIds(ids: unknown, field: string): Result<Int32Array> {
  if (ids instanceof Int32Array) return { ok: true, value: ids };
  if (!Array.isArray(ids)) return { ok: false, error: `${field}: must be an Int32Array or an array of token ids` };
  for (const [i, v] of ids.entries()) {
    if (!Number.isInteger(v) || Math.abs(v as number) > 2 ** 31 - 1) return { ok: false, error: `${field}[${i}]: must be a whole number, got ${String(v)}` };
  }
  return { ok: true, value: Int32Array.from(ids as number[]) };
}

/**
 * The fields `keys` of `options` that are given (not undefined), in that order: the binding applies
 * its defaults to the rest and never sees other fields. An error when options is not an object.
 */
export function givenOptions<O extends object, K extends keyof O & string>(options: O, keys: readonly K[]): Result<Partial<Pick<O, K>>> {
  if (typeof options !== 'object' || options === null) return { ok: false, error: 'options: must be an object' };
  return { ok: true, value: Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]])) as Partial<Pick<O, K>> };
}

/** Instantiates the language model's module (lm-load.ts in the page; tests pass the bytes). */
export type LmModuleLoader = () => Promise<MoeLmModule>;

export class LmModels {
  private readonly models = new WasmHandles<RawLm>((id) => `model: no language model with id ${id} (load it with lmLoad)`);
  private module: MoeLmModule | null = null;
  private loading: Promise<Result<null>> | null = null;

  constructor(private readonly loader: LmModuleLoader) {}

  /** The module once ensure() has loaded it, else null (LmTrainers in lm-train-core.ts shares it). */
  loaded(): MoeLmModule | null {
    return this.module;
  }

  /** Loads the module once; after a failure (offline, say) the next call tries again. */
  ensure(): Promise<Result<null>> {
    if (this.module) return Promise.resolve({ ok: true, value: null });
    this.loading ??= this.loader().then(
      (module): Result<null> => {
        this.module = module;
        return { ok: true, value: null };
      },
      (err: unknown): Result<null> => {
        this.loading = null;
        return { ok: false, error: `engine: the language model's module failed to load: ${message(err)}` };
      },
    );
    return this.loading;
  }

  /** Loads a model folder's files; errors name the file's field (`config.hidden_size: ...`, `safetensors...`, `weights...`, `tokenizer...`). */
  load(files: LmFiles): Result<LmInfo> {
    if (typeof files !== 'object' || files === null) return { ok: false, error: 'files: must be an object {config, safetensors, tokenizer?}' };
    if (typeof files.config !== 'string') return { ok: false, error: 'config: must be the text of config.json' };
    if (!(files.safetensors instanceof Uint8Array)) return { ok: false, error: 'safetensors: must be the bytes of model.safetensors (a Uint8Array)' };
    if (files.tokenizer !== undefined && typeof files.tokenizer !== 'string') return { ok: false, error: 'tokenizer: must be the text of tokenizer.json' };
    if (files.tokenizer === '') return { ok: false, error: 'tokenizer: tokenizer.json is empty' };
    const module = this.module;
    if (!module) return LM_NOT_LOADED;
    return guard(() => {
      const created = module.createLm(files.config, files.safetensors, files.tokenizer ?? '');
      if (!created.ok) return created;
      const id = this.models.add(created.lm);
      return { ok: true, value: { id, ...created.lm.info() } };
    });
  }

  /** The model's tokens of `text` and each token's text. */
  tokenize(id: number, text: string): Result<LmTokens> {
    if (typeof text !== 'string') return { ok: false, error: 'text: must be a string' };
    return this.models.with(id, (lm) => {
      const encoded = lm.encode(encoder.encode(text));
      if (!encoded.ok) return encoded;
      const pieces = this.pieces(lm, encoded.ids);
      return pieces.ok ? { ok: true, value: { ids: encoded.ids, pieces: pieces.value } } : pieces;
    });
  }

  /** Token ids back to text (the bytes of every token, joined, read as UTF-8) and each token's text. */
  detokenize(id: number, ids: Int32Array | number[]): Result<LmText> {
    return this.withIds(id, ids, (lm, checked) => {
      const r = lm.tokenBytes(checked);
      if (!r.ok) return r;
      return { ok: true, value: { text: decoder.decode(r.bytes), pieces: split(r.bytes, r.offsets) } };
    });
  }

  /** One forward pass over `ids` (one sequence): routing in every layer and the next-token NLL. */
  trace(id: number, ids: Int32Array | number[]): Result<LmTrace> {
    return this.withIds(id, ids, (lm, checked) => {
      const r = lm.trace(checked);
      if (!r.ok) return r;
      return { ok: true, value: { routing: r.routing, nll: r.nll, loss: r.loss, aux_loss: r.aux_loss } };
    });
  }

  /** Starts a generation after `prompt` (replacing the model's previous one); answers the prompt's routing. */
  generateStart(id: number, prompt: Int32Array | number[], options: LmGenerateOptions = {}): Result<LmGenerateStart> {
    const checked = toIds(prompt, 'prompt');
    if (!checked.ok) return checked;
    const given = givenOptions(options, ['greedy', 'seed', 'temperature', 'top_p', 'max_new_tokens']);
    if (!given.ok) return given;
    return this.models.with(id, (lm) => {
      const r = lm.generateStart(checked.value, given.value);
      return r.ok ? { ok: true, value: { routing: r.routing, position: r.position } } : r;
    });
  }

  /** Up to `n` more tokens of the model's generation, with their text and routing. */
  generateNext(id: number, n: number): Result<LmGenerated> {
    return this.models.with(id, (lm) => {
      const r = lm.generateNext(n);
      if (!r.ok) return r;
      let pieces: string[] | null = null;
      if (lm.info().tokenizer_vocab_size > 0) {
        const p = this.pieces(lm, r.ids);
        if (!p.ok) return p;
        pieces = p.value;
      }
      return { ok: true, value: { ids: r.ids, pieces, routing: r.routing, generated: r.generated, position: r.position, done: r.done } };
    });
  }

  /** Held-out loss per named text, optionally with experts off or top ranks masked (lm_eval_bindings.cpp). */
  evaluate(id: number, texts: LmNamedText[], options: LmEvalOptions = {}): Result<LmEvaluation> {
    if (!Array.isArray(texts)) return { ok: false, error: 'texts: must be an array of {name, text}' };
    const encoded: { name: string; text: Uint8Array }[] = [];
    for (const [i, t] of texts.entries()) {
      if (typeof t !== 'object' || t === null || typeof t.name !== 'string' || typeof t.text !== 'string') {
        return { ok: false, error: `texts[${i}]: must be {name: string, text: string}` };
      }
      encoded.push({ name: t.name, text: encoder.encode(t.text) });
    }
    const given = givenOptions(options, ['experts_off', 'mask_top_ranks', 'max_tokens', 'context', 'masking_study']);
    if (!given.ok) return given;
    const module = this.module;
    return this.models.with(id, (lm) => {
      if (!module) return LM_NOT_LOADED;
      const r = module.evaluateLm(lm, encoded, given.value);
      if (!r.ok) return r;
      const { ok: _ok, ...value } = r;
      return { ok: true, value };
    });
  }

  /** Greedy continuation with the masks of `options` in place (lm_eval_bindings.cpp); the model is unmasked afterwards. */
  generateMasked(id: number, prompt: Int32Array | number[], options: LmMaskedGenerateOptions = {}): Result<LmContinuation> {
    const checked = toIds(prompt, 'prompt');
    if (!checked.ok) return checked;
    const given = givenOptions(options, ['experts_off', 'mask_top_ranks', 'max_new_tokens']);
    if (!given.ok) return given;
    const module = this.module;
    return this.models.with(id, (lm) => {
      if (!module) return LM_NOT_LOADED;
      const r = module.generateMaskedLm(lm, checked.value, given.value);
      if (!r.ok) return r;
      const bytes = lm.tokenBytes(r.ids);
      if (!bytes.ok) return bytes;
      return { ok: true, value: { ids: r.ids, text: decoder.decode(bytes.bytes), pieces: split(bytes.bytes, bytes.offsets) } };
    });
  }

  /** The routing analyses of `moe lm analyze` on named texts (lm_analysis_bindings.cpp). */
  analyze(id: number, texts: LmNamedText[], options: LmAnalyzeOptions = {}): Result<LmAnalysis> {
    if (!Array.isArray(texts)) return { ok: false, error: 'texts: must be an array of {name, text}' };
    const raw: { name: string; text: Uint8Array }[] = [];
    for (const [i, t] of texts.entries()) {
      if (typeof t !== 'object' || t === null || typeof t.text !== 'string') return { ok: false, error: `texts[${i}].text: must be a string` };
      raw.push({ name: t.name, text: encoder.encode(t.text) });
    }
    const given = givenOptions(options, ['max_tokens', 'context', 'top_vocab']);
    if (!given.ok) return given;
    const module = this.module;
    if (!module) return LM_NOT_LOADED;
    return this.models.with(id, (lm) => {
      const r = module.lmAnalyze(lm, raw, given.value);
      return r.ok ? { ok: true, value: JSON.parse(r.report) as LmAnalysis } : r;
    });
  }

  /** Frees model `id` (unknown ids are ignored). */
  delete(id: number): Result<null> {
    return this.models.delete(id);
  }

  dispose(): void {
    this.models.dispose();
  }

  /** `body` on model `id` with `ids` checked and made an Int32Array (toIds; errors name `ids`). */
  private withIds<T>(id: number, ids: unknown, body: (lm: RawLm, ids: Int32Array) => Answer<T>): Result<T> {
    const checked = toIds(ids, 'ids');
    if (!checked.ok) return checked;
    return this.models.with(id, (lm) => body(lm, checked.value));
  }

  private pieces(lm: RawLm, ids: Int32Array): Result<string[]> {
    const r = lm.tokenBytes(ids);
    return r.ok ? { ok: true, value: split(r.bytes, r.offsets) } : r;
  }
}

/** Token i's text: bytes[offsets[i], offsets[i + 1]) read as UTF-8. */
function split(bytes: Uint8Array, offsets: Int32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) out.push(decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])));
  return out;
}
