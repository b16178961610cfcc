// LmTrainers: the in-page training calls of EngineCore (core.ts delegates its lmTrain* methods
// here). It shares the language model's wasm module with LmModels (lm-core.ts loads it), owns the
// running trainers (wasm objects, named by an id), converts text to UTF-8 and back, and turns
// every failure into a Result error value, so a bad recipe leaves the engine working.
import type { MoeLmModule, RawLmTrainer } from '@engine-wasm/moe_lm.mjs';
import type { LmGenerateOptions, LmTrainChunk, LmTrainerInfo, LmTrainRecipe, LmTrainSaturation, LmTrainText, LmTrainTexts } from './lm-types';
import type { Result } from './types';
import { givenOptions, LM_NOT_LOADED } from './lm-core';
import { guard } from './guard';
import { WasmHandles } from './wasm-handles';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function stringList(value: unknown, field: string): Result<string[]> {
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) return { ok: false, error: `texts.${field}: must be an array of strings` };
  return { ok: true, value: value as string[] };
}

export class LmTrainers {
  private readonly trainers = new WasmHandles<RawLmTrainer>((id) => `trainer: no language-model run with id ${id} (start one with lmTrainStart)`);

  /** `module()` answers the loaded language-model module, or null before EngineCore.ensureLm. */
  constructor(private readonly module: () => MoeLmModule | null) {}

  /** Starts a run of `recipe` on `texts`; errors name the field (`batch: ...`, `model.hidden_size: ...`, `heldout[1]: ...`). */
  start(recipe: LmTrainRecipe, texts: LmTrainTexts): Result<LmTrainerInfo> {
    if (typeof recipe !== 'object' || recipe === null) return { ok: false, error: 'config: must be an object of TRAIN.json fields' };
    if (typeof texts !== 'object' || texts === null) return { ok: false, error: 'texts: must be an object {tokenizer, domains, train, heldout}' };
    if (typeof texts.tokenizer !== 'string' || texts.tokenizer === '') return { ok: false, error: 'texts.tokenizer: must be the text of tokenizer.json' };
    const domains = stringList(texts.domains, 'domains');
    if (!domains.ok) return domains;
    const train = stringList(texts.train, 'train');
    if (!train.ok) return train;
    const heldout = stringList(texts.heldout, 'heldout');
    if (!heldout.ok) return heldout;
    if (train.value.length !== domains.value.length || heldout.value.length !== domains.value.length) {
      return { ok: false, error: `texts: needs one train and one heldout text per domain (${domains.value.length}), got ${train.value.length} and ${heldout.value.length}` };
    }
    const module = this.module();
    if (!module) return LM_NOT_LOADED;
    return guard(() => {
      const json = JSON.stringify(recipe);
      const created = module.createLmTrainer(
        json,
        texts.tokenizer,
        train.value.map((t) => encoder.encode(t)),
        heldout.value.map((t) => encoder.encode(t)),
      );
      if (!created.ok) return created;
      const id = this.trainers.add(created.trainer);
      return { ok: true, value: { id, ...created.trainer.info(), domains: domains.value } };
    });
  }

  /** Up to `n` more steps (fewer when the run ends): each step's loss and expert loads. */
  steps(id: number, n: number): Result<LmTrainChunk> {
    return this.trainers.with(id, (t) => {
      const r = t.train(n);
      if (!r.ok) return r;
      const { step, done, loss, aux, lr, expert_load, load_cv, max_share, dead_experts } = r;
      return { ok: true, value: { step, done, loss, aux, lr, expert_load, load_cv, max_share, dead_experts } };
    });
  }

  /** The held-out loss of the model now, per domain (nats), in the run's domain order. */
  heldout(id: number): Result<number[]> {
    return this.trainers.with(id, (t) => {
      const r = t.heldout();
      return r.ok ? { ok: true, value: Array.from(r.loss) } : r;
    });
  }

  /** Keeps the routing of the fixed evaluation text at the current step; answers the step. */
  recordRouting(id: number): Result<number> {
    return this.trainers.with(id, (t) => {
      const r = t.recordRouting();
      return r.ok ? { ok: true, value: r.step } : r;
    });
  }

  /** Router saturation of every recorded step against the model now (the final one, once done). */
  saturation(id: number): Result<LmTrainSaturation> {
    return this.trainers.with(id, (t) => {
      const r = t.saturation();
      return r.ok ? { ok: true, value: { steps: r.steps, per_layer: r.per_layer, mean: r.mean } } : r;
    });
  }

  /** The text the model writes now after `prompt` (greedy unless options say otherwise). */
  generate(id: number, prompt: string, options: LmGenerateOptions = {}): Result<LmTrainText> {
    if (typeof prompt !== 'string') return { ok: false, error: 'prompt: must be a string' };
    const given = givenOptions(options, ['greedy', 'seed', 'temperature', 'top_p', 'max_new_tokens']);
    if (!given.ok) return given;
    return this.trainers.with(id, (t) => {
      const r = t.generate(encoder.encode(prompt), given.value);
      if (!r.ok) return r;
      return { ok: true, value: { prompt_tokens: r.prompt_tokens, ids: r.ids, text: decoder.decode(r.bytes) } };
    });
  }

  /** Frees trainer `id` (unknown ids are ignored). */
  delete(id: number): Result<null> {
    return this.trainers.delete(id);
  }

  dispose(): void {
    this.trainers.dispose();
  }
}
