// lmEval and LmInfo.active_params on the real wasm build, against the native CLI on the shipped
// checkpoints (web/public/models/) and the held-out corpus (build/lm-corpus, made by setup):
// loss per domain as `moe lm eval`, experts switched off and top-1 masked as `moe lm analyze`'s
// masking study, and every bad input answered by a message naming the field, after which the
// model is unmasked and the next call still works.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LmNamedText, LmLosses } from '../../web/src/engine/lm-types';
import type { Result } from '../../web/src/engine/types';
import { cliGenerate, readFolder, runLm } from './lm-fixtures';
import { loadEngineCore, repo } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

const moeDir = path.join(repo, 'web/public/models/moe-lm');
const denseDir = path.join(repo, 'web/public/models/dense-lm');
const corpusDir = path.join(repo, 'build/lm-corpus');
const domains = ['arithmetic', 'code', 'prose']; // the CLI's order: folder names sorted
// Predicted tokens per domain: enough windows (C = 128) to exercise the window cuts, quick in wasm.
// The evaluation reads whole windows (the trainer's held-out definition), so 600 becomes 5 × 128.
const maxTokens = 600;
const wholeWindows = (tokens: number, context: number) => Math.ceil(tokens / context) * context;

let core: Core;
let moe: number;
let dense: number;
let heldout: LmNamedText[];

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function errorOf(r: Result<unknown>): string {
  return r.ok ? '(no error)' : r.error;
}

beforeAll(async () => {
  core = await loadEngineCore();
  value(await core.ensureLm());
  moe = value(core.lmLoad(readFolder(moeDir))).id;
  dense = value(core.lmLoad(readFolder(denseDir))).id;
  heldout = domains.map((name) => ({ name, text: readFileSync(path.join(corpusDir, name, 'heldout.txt'), 'utf8') }));
});

afterAll(() => core?.dispose());

/** Each domain's loss and token count equal the CLI's within 1e-5 nats. */
function expectSameLosses(actual: LmLosses, expected: LmLosses, what: string) {
  expect(actual.domains.map((d) => [d.name, d.tokens]), what).toEqual(expected.domains.map((d) => [d.name, d.tokens]));
  for (const [i, d] of actual.domains.entries()) expect(Math.abs(d.loss - expected.domains[i].loss), `${what}: ${d.name}`).toBeLessThan(1e-5);
  expect(Math.abs(actual.loss - expected.loss), `${what}: overall`).toBeLessThan(1e-5);
}

interface Masking {
  top1_masked: LmLosses;
  expert_off: (LmLosses & { expert: number })[];
}

describe('lmEval: the held-out loss of `moe lm eval`', () => {
  for (const [name, dir, id] of [
    ['moe-lm', moeDir, () => moe],
    ['dense-lm', denseDir, () => dense],
  ] as const) {
    it(`${name}: loss per domain equals the native CLI's`, () => {
      const cli = runLm(['eval', dir, '--corpus', corpusDir, '--max-tokens', String(maxTokens)]) as LmLosses & { context: number };
      const ours = value(core.lmEval(id(), heldout, { max_tokens: maxTokens }));
      expect(ours.context).toBe(cli.context);
      expectSameLosses(ours, cli, name);
      for (const d of ours.domains) expect(d.tokens).toBe(wholeWindows(maxTokens, ours.context));
    });
  }

  it('a shorter context cuts shorter windows, as the CLI does', () => {
    const cli = runLm(['eval', moeDir, '--corpus', corpusDir, '--max-tokens', '200', '--context', '32']) as LmLosses;
    const ours = value(core.lmEval(moe, heldout, { max_tokens: 200, context: 32 }));
    expectSameLosses(ours, cli, 'context 32');
  });

  it("the learner's own text, whole, equals the CLI on the same file", () => {
    const file = path.join(repo, 'README.md');
    const text = readFileSync(file, 'utf8').slice(0, 3000);
    // The CLI reads a file: write it the same characters.
    const dir = mkdtempSync(path.join(tmpdir(), 'lm-eval-'));
    writeFileSync(path.join(dir, 'text.txt'), text);
    const cli = runLm(['eval', moeDir, '--text', path.join(dir, 'text.txt')]) as LmLosses;
    rmSync(dir, { recursive: true, force: true });
    const ours = value(core.lmEval(moe, [{ name: 'text', text }]));
    expectSameLosses(ours, cli, 'README excerpt');
  });
});

describe('lmEval: experts off and top-1 masked, as `moe lm analyze` masking', () => {
  let cli: Masking;
  beforeAll(() => {
    cli = (runLm(['analyze', moeDir, '--corpus', corpusDir, '--max-tokens', '256']) as { masking: Masking }).masking;
  });

  it('the masking study in one call equals the CLI for top-1 masked and each of the 8 experts off', () => {
    const ours = value(core.lmEval(moe, heldout, { max_tokens: 256, masking_study: true }));
    expect(ours.masking).toBeDefined();
    expectSameLosses(ours.masking!.top1_masked, cli.top1_masked, 'top-1 masked');
    expect(ours.masking!.expert_off).toHaveLength(8);
    for (const [e, off] of ours.masking!.expert_off.entries()) expectSameLosses(off, cli.expert_off[e], `expert ${e} off`);
  });

  it('experts_off and mask_top_ranks alone give the same numbers, and masking costs loss', () => {
    const base = value(core.lmEval(moe, heldout, { max_tokens: 256 }));
    const off3 = value(core.lmEval(moe, heldout, { max_tokens: 256, experts_off: [3] }));
    expectSameLosses(off3, cli.expert_off[3], 'experts_off [3]');
    const top1 = value(core.lmEval(moe, heldout, { max_tokens: 256, mask_top_ranks: 1 }));
    expectSameLosses(top1, cli.top1_masked, 'mask_top_ranks 1');
    // A trained router's first choice matters: taking it away raises the loss overall.
    expect(top1.loss).toBeGreaterThan(base.loss);
  });

  it('[layer, expert] pairs switch an expert off in that layer only', () => {
    const all = value(core.lmEval(moe, heldout, { max_tokens: 256, experts_off: [5] }));
    const eachLayer = value(
      core.lmEval(moe, heldout, {
        max_tokens: 256,
        experts_off: [
          [0, 5],
          [1, 5],
          [2, 5],
          [3, 5],
        ],
      }),
    );
    expectSameLosses(eachLayer, all, 'expert 5 off in layers 0-3 = off everywhere');
    const base = value(core.lmEval(moe, heldout, { max_tokens: 256 }));
    const oneLayer = value(core.lmEval(moe, heldout, { max_tokens: 256, experts_off: [[2, 5]] }));
    expect(oneLayer.loss).not.toBe(base.loss);
    expect(oneLayer.loss).not.toBe(all.loss);
  });
});

describe('lmGenerateMasked: greedy continuation with a knock-out', () => {
  it('without a mask it is the CLI greedy continuation; the masks leave the model unmasked', () => {
    const prompt = Array.from(value(core.lmTokenize(moe, 'def add(a, b):\n    return')).ids);
    const cli = cliGenerate(moeDir, prompt, 24);
    const plain = value(core.lmGenerateMasked(moe, prompt, { max_new_tokens: 24 }));
    expect(Array.from(plain.ids)).toEqual(cli);
    expect(plain.text).toBe(value(core.lmDetokenize(moe, cli)).text);
    const knocked = value(core.lmGenerateMasked(moe, prompt, { max_new_tokens: 24, mask_top_ranks: 1 }));
    expect(knocked.ids).toHaveLength(24);
    expect(knocked.pieces).toHaveLength(24);
    expect(Array.from(value(core.lmGenerateMasked(moe, prompt, { max_new_tokens: 24 })).ids)).toEqual(cli);
  });

  it('bad input names the field', () => {
    expect(errorOf(core.lmGenerateMasked(moe, [], {}))).toBe('prompt: must hold at least one token id');
    expect(errorOf(core.lmGenerateMasked(moe, [1, 2], { max_new_tokens: 200 }))).toBe('options.max_new_tokens: must be a whole number from 0 to 128');
    expect(errorOf(core.lmGenerateMasked(moe, [1, 2], { max_new_tokens: 127 }))).toBe(
      'options.max_new_tokens: prompt (2) + new tokens (127) is longer than max_position_embeddings (128)',
    );
    expect(errorOf(core.lmGenerateMasked(moe, [1, 2], { experts_off: [9] }))).toBe('options.experts_off[0]: must be a whole number from 0 to 7');
    expect(errorOf(core.lmGenerateMasked(moe, [5000], {}))).toMatch(/^prompt\[0\]: /);
  });
});

describe('LmInfo.active_params: counted by the engine from the checkpoint', () => {
  it("equals the training run's count and matches the dense model's total, as the recipes intend", () => {
    const moeInfo = value(core.lmLoad(readFolder(moeDir)));
    const denseInfo = value(core.lmLoad(readFolder(denseDir)));
    const log = JSON.parse(readFileSync(path.join(moeDir, 'training_log.json'), 'utf8')) as { params: number; active_params: number };
    expect(moeInfo.total_params).toBe(log.params);
    expect(moeInfo.active_params).toBe(log.active_params);
    expect(moeInfo.active_params).toBeLessThan(moeInfo.total_params / 2);
    // Dense: every parameter is active.
    expect(denseInfo.active_params).toBe(denseInfo.total_params);
    // Same compute per token: within 1% (the MoE's routers add E·d per layer).
    expect(Math.abs(moeInfo.active_params - denseInfo.active_params) / denseInfo.active_params).toBeLessThan(0.01);
    core.lmDelete(moeInfo.id);
    core.lmDelete(denseInfo.id);
  });
});

describe('lmEval: bad input names the field, and the model stays as it was', () => {
  const one = (): LmNamedText[] => [{ name: 'prose', text: heldout[2].text.slice(0, 2000) }];

  it('every bad argument gets its message', () => {
    const cases: [Result<unknown>, string][] = [
      [core.lmEval(999, one()), 'model: no language model with id 999 (load it with lmLoad)'],
      [core.lmEval(moe, 'text' as unknown as LmNamedText[]), 'texts: must be an array of {name, text}'],
      [core.lmEval(moe, []), 'texts: must hold 1 to 16 texts, got 0'],
      [core.lmEval(moe, [{ name: 'x', text: 5 as unknown as string }]), 'texts[0]: must be {name: string, text: string}'],
      [core.lmEval(moe, [{ name: '', text: 'abc def' }]), 'texts[0].name: must not be empty'],
      [core.lmEval(moe, [{ name: 'mine', text: '' }]), 'texts[0] (mine): needs at least 2 tokens to predict one, got 0'],
      [core.lmEval(moe, one(), { experts_off: [8] }), 'options.experts_off[0]: must be a whole number from 0 to 7'],
      [core.lmEval(moe, one(), { experts_off: [[4, 0]] }), 'options.experts_off[0][0] (layer): must be a whole number from 0 to 3'],
      [core.lmEval(moe, one(), { experts_off: [[1, 2, 3]] as unknown as [number, number][] }), 'options.experts_off[0]: a pair must be [layer, expert]'],
      [core.lmEval(moe, one(), { experts_off: 3 as unknown as number[] }), 'options.experts_off: must be an array of expert ids or of [layer, expert] pairs'],
      [core.lmEval(moe, one(), { mask_top_ranks: 1.5 }), 'options.mask_top_ranks: must be a whole number from 0 to 8'],
      [
        core.lmEval(moe, one(), { mask_top_ranks: 7 }),
        'options: selection_mask: excludes up to 7 of 8 experts, leaving fewer than top_k = 2',
      ],
      [core.lmEval(moe, one(), { max_tokens: -1 }), 'options.max_tokens: must be a whole number from 0 to 1073741824'],
      [core.lmEval(moe, one(), { context: 129 }), 'options.context: must be a whole number from 1 to 128'],
      [
        core.lmEval(moe, one(), { masking_study: true, experts_off: [1] }),
        'options.masking_study: cannot be combined with experts_off or mask_top_ranks (the study sets its own masks)',
      ],
      [core.lmEval(dense, one(), { experts_off: [0] }), 'options: selection_mask: excludes up to 1 of 1 experts, leaving fewer than top_k = 1'],
    ];
    for (const [r, message] of cases) expect(errorOf(r)).toBe(message);
  });

  it('after masked and failed calls the model routes as before: same loss and same trace', () => {
    const before = value(core.lmEval(moe, one()));
    const ids = value(core.lmTokenize(moe, one()[0].text)).ids.slice(0, 100);
    const traceBefore = value(core.lmTrace(moe, ids));
    value(core.lmEval(moe, one(), { experts_off: [[1, 4]], mask_top_ranks: 1 }));
    errorOf(core.lmEval(moe, one(), { experts_off: [0, 1, 2, 3, 4, 5, 6] })); // leaves 1 < k: refused
    const after = value(core.lmEval(moe, one()));
    expect(after.loss).toBe(before.loss);
    const traceAfter = value(core.lmTrace(moe, ids));
    expect(Array.from(traceAfter.routing.topk_ids)).toEqual(Array.from(traceBefore.routing.topk_ids));
  });

  it('a 100,000-character text, control characters and mixed scripts evaluate (capped), and the next call works', () => {
    const long = 'The quick brown fox. '.repeat(5000).slice(0, 100000);
    const odd = 'tab\there\u0000nul\u0007bell, Ελληνικά, русский, 中文, עברית, emoji 🙂 and \r\n CRLF';
    const r = value(
      core.lmEval(
        moe,
        [
          { name: 'long', text: long },
          { name: 'odd', text: odd },
        ],
        { max_tokens: 300 },
      ),
    );
    expect(r.domains[0].tokens).toBe(wholeWindows(300, r.context));
    expect(r.domains[1].tokens).toBeGreaterThan(10);
    for (const d of r.domains) expect(Number.isFinite(d.loss) && d.loss > 0).toBe(true);
    expect(value(core.lmEval(moe, one())).domains[0].tokens).toBeGreaterThan(100);
  });
});
