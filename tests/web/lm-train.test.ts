// Training a small language model through the engine facade (EngineCore's lmTrain* calls) on the
// real wasm build, held against the native CLI on the same recipe and text: `moe lm train`'s
// per-step losses, expert loads and held-out loss, and `moe lm generate` on the checkpoint it
// writes. Also: chunks (a + b steps == a + b in one call), router saturation, and bad input
// answered by a message naming the field, after which the next call still works.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LmTrainRecipe, LmTrainTexts } from '../../web/src/engine/lm-types';
import type { Result } from '../../web/src/engine/types';
import { cliGenerate, nativeCli } from './lm-fixtures';
import { loadEngineCore, repo } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

const corpus = process.env.MOE_LM_CORPUS ? path.resolve(process.env.MOE_LM_CORPUS) : path.join(repo, 'build/lm-corpus');
const tokenizerPath = path.join(repo, 'web/public/models/moe-lm/tokenizer.json');
const domains = ['prose', 'code', 'arithmetic'];

/** A recipe small enough for a test: 2 layers of 4 experts, 12 steps on 20,000 bytes per domain. */
const recipe: LmTrainRecipe = {
  model: {
    hidden_size: 32,
    intermediate_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    num_local_experts: 4,
    num_experts_per_tok: 2,
    max_position_embeddings: 64,
  },
  router_kind: 'softmax_topk_renorm',
  balancing: { switch_aux: 0.01 },
  batch: 4,
  seq_len: 32,
  steps: 12,
  warmup: 3,
  lr: 0.01,
  min_lr: 0.001,
  seed: 7,
  train_bytes: 20000,
  eval_windows: 4,
};

/** The first `bytes` bytes of a corpus file, as text (the page's files are cut the same way). */
function head(file: string, bytes: number): string {
  return readFileSync(file).subarray(0, bytes).toString('utf8');
}

const texts: LmTrainTexts = {
  tokenizer: readFileSync(tokenizerPath, 'utf8'),
  domains,
  train: domains.map((d) => head(path.join(corpus, d, 'train.txt'), 65536)),
  heldout: domains.map((d) => readFileSync(path.join(corpus, d, 'heldout.txt'), 'utf8')),
};

interface CliChunk {
  step: number;
  loss: number[];
  expert_load: number[][];
}

interface CliRun {
  chunks: CliChunk[];
  heldout: Record<string, number>;
}

/** `moe lm train` on the recipe (chunks of `chunk` steps), writing an F32 checkpoint to `out`. */
function cliTrain(dir: string, r: LmTrainRecipe, chunk: number, out?: string): CliRun {
  const { train_bytes, eval_windows, ...rest } = r;
  const job = { ...rest, corpus, tokenizer: tokenizerPath, domains, train_bytes, eval_windows, chunk, ...(out ? { out, dtype: 'f32' } : {}) };
  const file = path.join(dir, `train-${chunk}.json`);
  writeFileSync(file, JSON.stringify(job));
  const lines = execFileSync(nativeCli(), ['lm', 'train', file], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const chunks = lines.filter((l) => Array.isArray(l.loss)) as unknown as CliChunk[];
  const summary = lines[lines.length - 1] as { heldout: Record<string, number> };
  return { chunks, heldout: summary.heldout };
}

let core: Core;
let scratch: string;

beforeAll(async () => {
  core = await loadEngineCore();
  value(await core.ensureLm());
  scratch = mkdtempSync(path.join(tmpdir(), 'moe-lm-train-'));
});

afterAll(() => {
  core?.dispose();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function errorOf(r: Result<unknown>): string {
  return r.ok ? '(no error)' : r.error;
}

describe('lmTrain against moe lm train on the same recipe and text', () => {
  let cli: CliRun;
  let checkpoint: string;
  beforeAll(() => {
    checkpoint = path.join(scratch, 'checkpoint');
    cli = cliTrain(scratch, recipe, 12, checkpoint);
  });

  it('gives each step the CLI loss (within 1e-4), the same expert loads, and the same held-out loss', () => {
    const run = value(core.lmTrainStart(recipe, texts));
    expect(run).toMatchObject({ steps: 12, step: 0, layers: 2, experts: 4, top_k: 2, seq_len: 32, domains });
    const chunk = value(core.lmTrainSteps(run.id, 12));
    expect(chunk.step).toBe(12);
    expect(chunk.done).toBe(true);
    const cliLoss = cli.chunks.flatMap((c) => c.loss);
    expect(cliLoss).toHaveLength(12);
    for (const [s, loss] of cliLoss.entries()) expect(Math.abs(chunk.loss[s] - loss), `step ${s}`).toBeLessThan(1e-4);
    // The CLI sums each chunk's loads per layer: [L][E] over its 12 steps.
    const L = 2;
    const E = 4;
    const summed = Array.from({ length: L }, (_, l) => Array.from({ length: E }, (_, e) => {
      let total = 0;
      for (let s = 0; s < 12; s++) total += chunk.expert_load[(s * L + l) * E + e];
      return total;
    }));
    expect(summed).toEqual(cli.chunks[0].expert_load);
    // Each step's load summary per layer, held against its loads: step 5, layer 1.
    const row = Array.from(chunk.expert_load.subarray((5 * L + 1) * E, (5 * L + 2) * E));
    const total = row.reduce((a, b) => a + b, 0);
    const mean = total / E;
    const std = Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / E);
    expect(chunk.max_share[5 * L + 1]).toBeCloseTo(Math.max(...row) / total, 12);
    expect(chunk.load_cv[5 * L + 1]).toBeCloseTo(std / mean, 5);
    expect(chunk.dead_experts[5 * L + 1]).toBe(row.filter((v) => v / total < 0.01).length);
    expect(total).toBe(4 * 32 * 2); // B·T·k (token, slot) pairs
    const heldout = value(core.lmTrainHeldout(run.id));
    for (const [i, d] of domains.entries()) expect(Math.abs(heldout[i] - cli.heldout[d]), d).toBeLessThan(1e-4);
    core.lmTrainDelete(run.id);
  });

  it('writes, after training, the tokens moe lm generate writes on the CLI checkpoint', () => {
    const run = value(core.lmTrainStart(recipe, texts));
    value(core.lmTrainSteps(run.id, 12));
    const greedy = value(core.lmTrainGenerate(run.id, 'And the', { max_new_tokens: 20 }));
    const sampled = value(core.lmTrainGenerate(run.id, 'And the', { greedy: false, temperature: 0.9, top_p: 0.95, seed: 11, max_new_tokens: 20 }));
    // The prompt's ids, from a model loaded with the same tokenizer.
    const model = value(core.lmLoad({ config: readFileSync(path.join(checkpoint, 'config.json'), 'utf8'), safetensors: new Uint8Array(readFileSync(path.join(checkpoint, 'model.safetensors'))), tokenizer: texts.tokenizer }));
    const prompt = Array.from(value(core.lmTokenize(model.id, 'And the')).ids);
    expect(greedy.prompt_tokens).toBe(prompt.length);
    expect(Array.from(greedy.ids)).toEqual(cliGenerate(checkpoint, prompt, 20));
    expect(Array.from(sampled.ids)).toEqual(cliGenerate(checkpoint, prompt, 20, { temperature: 0.9, top_p: 0.95, seed: 11 }));
    expect(greedy.text).toBe(value(core.lmDetokenize(model.id, greedy.ids)).text);
    core.lmDelete(model.id);
    core.lmTrainDelete(run.id);
  });
});

describe('lmTrain in chunks, saturation and generation', () => {
  it("trains DeepSeek-V3's shape (sigmoid grouped router, loss-free bias, a shared expert) as the CLI does", () => {
    const deepseek: LmTrainRecipe = {
      ...recipe,
      model: { ...recipe.model, n_shared_experts: 1, n_group: 2, topk_group: 1 },
      router_kind: 'sigmoid_grouped_topk_bias',
      balancing: { seq_aux: 0.001, bias_gamma: 0.001 },
      steps: 6,
    };
    const cliDeepseek = cliTrain(scratch, deepseek, 6);
    const run = value(core.lmTrainStart(deepseek, texts));
    const chunk = value(core.lmTrainSteps(run.id, 6));
    const cliLoss = cliDeepseek.chunks.flatMap((c) => c.loss);
    expect(cliLoss).toHaveLength(6);
    for (const [s, loss] of cliLoss.entries()) expect(Math.abs(chunk.loss[s] - loss), `step ${s}`).toBeLessThan(1e-4);
    core.lmTrainDelete(run.id);
  });

  it('gives the same bits in chunks of 5 + 7 as in one call of 12, and stops at the end', () => {
    const one = value(core.lmTrainStart(recipe, texts));
    const two = value(core.lmTrainStart(recipe, texts));
    const all = value(core.lmTrainSteps(one.id, 12));
    const a = value(core.lmTrainSteps(two.id, 5));
    const b = value(core.lmTrainSteps(two.id, 100)); // only 7 are left
    expect(a.done).toBe(false);
    expect(b.step).toBe(12);
    expect(b.done).toBe(true);
    expect([...a.loss, ...b.loss]).toEqual(Array.from(all.loss));
    expect([...a.expert_load, ...b.expert_load]).toEqual(Array.from(all.expert_load));
    expect(errorOf(core.lmTrainSteps(two.id, 1))).toBe('train: all 12 steps are done');
    core.lmTrainDelete(one.id);
    core.lmTrainDelete(two.id);
  });

  it('measures router saturation against the model as it is now: 1 for the current step, in [0, 1] before', () => {
    const run = value(core.lmTrainStart(recipe, texts));
    expect(value(core.lmTrainRecordRouting(run.id))).toBe(0);
    value(core.lmTrainSteps(run.id, 6));
    expect(value(core.lmTrainRecordRouting(run.id))).toBe(6);
    value(core.lmTrainSteps(run.id, 6));
    expect(value(core.lmTrainRecordRouting(run.id))).toBe(12);
    const s = value(core.lmTrainSaturation(run.id));
    expect(Array.from(s.steps)).toEqual([0, 6, 12]);
    expect(s.per_layer).toHaveLength(3 * 2);
    expect(s.mean[2]).toBe(1);
    for (const v of s.per_layer) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(s.mean[0]).toBeCloseTo((s.per_layer[0] + s.per_layer[1]) / 2, 12);
    core.lmTrainDelete(run.id);
  });

  it('trains with the loss-free bias and writes text with it', () => {
    const run = value(core.lmTrainStart({ ...recipe, balancing: { bias_gamma: 0.01 } }, texts));
    const chunk = value(core.lmTrainSteps(run.id, 4));
    expect(Array.from(chunk.aux)).toEqual([0, 0, 0, 0]); // no loss term: the bias only selects
    expect(value(core.lmTrainGenerate(run.id, 'def ', { max_new_tokens: 8 })).ids).toHaveLength(8);
    core.lmTrainDelete(run.id);
  });
});

describe('lmTrain with bad input', () => {
  it('names the field and keeps the engine working', () => {
    const bad = (patch: object) => errorOf(core.lmTrainStart({ ...recipe, ...patch } as LmTrainRecipe, texts));
    expect(bad({ batch: 0 })).toBe('batch: must be an integer between 1 and 4096, got 0');
    expect(bad({ learning_rate: 1 })).toBe('learning_rate: unknown field (see moe lm train --help)');
    expect(bad({ balancing: { alpha: 1 } })).toBe('balancing.alpha: unknown field (see moe lm train --help)');
    expect(bad({ seq_len: 65 })).toBe('seq_len: must be between 1 and max_position_embeddings (64), got 65');
    expect(bad({ model: { ...recipe.model, num_key_value_heads: 3 } })).toMatch(/^model\.num_key_value_heads: /);
    expect(bad({ train_bytes: -1 })).toMatch(/^train_bytes: must be an integer/);
    expect(errorOf(core.lmTrainStart(recipe, { ...texts, heldout: ['short', 'short', 'short'] }))).toMatch(/^heldout\[0\]: needs more than seq_len \(32\) tokens/);
    expect(errorOf(core.lmTrainStart(recipe, { ...texts, train: ['', '', ''] }))).toMatch(/^train_tokens: needs more than seq_len/);
    expect(errorOf(core.lmTrainStart(recipe, { ...texts, train: texts.train.slice(0, 2) }))).toMatch(/^texts: needs one train and one heldout text per domain/);
    expect(errorOf(core.lmTrainStart(recipe, { ...texts, tokenizer: '{' }))).toMatch(/^tokenizer\./);
    expect(errorOf(core.lmTrainSteps(999, 1))).toMatch(/^trainer: no language-model run with id 999/);

    const run = value(core.lmTrainStart(recipe, texts));
    expect(errorOf(core.lmTrainSteps(run.id, 0))).toBe('n: must be a whole number from 1 to 1000');
    expect(errorOf(core.lmTrainSteps(run.id, 2.5))).toBe('n: must be a whole number from 1 to 1000');
    expect(errorOf(core.lmTrainGenerate(run.id, '', { max_new_tokens: 4 }))).toMatch(/^prompt/);
    expect(errorOf(core.lmTrainGenerate(run.id, 'x'.repeat(100_000), { max_new_tokens: 4 }))).toMatch(/^prompt/);
    expect(errorOf(core.lmTrainGenerate(run.id, 'hi', { max_new_tokens: 1.5 }))).toMatch(/^options\.max_new_tokens: /);
    expect(errorOf(core.lmTrainGenerate(run.id, 'hi', { greedy: false, temperature: 0 }))).toMatch(/^options\.temperature/);
    // Control characters and mixed scripts are text like any other: bytes the tokenizer splits.
    expect(value(core.lmTrainGenerate(run.id, 'a\u0000\u0007b Ωμέγα 中文 😀', { max_new_tokens: 4 })).ids).toHaveLength(4);
    expect(value(core.lmTrainSteps(run.id, 2)).step).toBe(2);
    core.lmTrainDelete(run.id);
  });
});
