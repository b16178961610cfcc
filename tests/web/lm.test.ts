// The language model through the engine facade (EngineCore's lm* calls) on the real wasm build:
// the golden cases of tests/oracle-lm (router logits, top-k, gates and the next-token NLL derived
// from their logits; greedy tokens, streamed in chunks), the same tokens as the native CLI, a real
// tokenizer's round trip, and every bad input answered by a message that names it, after which the
// next call still works.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LmFiles, LmGenerated, LmRouting } from '../../web/src/engine/lm-types';
import type { Result } from '../../web/src/engine/types';
import { cliGenerate, makeSmallModel, oracleCases, oracleDir, readExpected, readFolder, runLm } from './lm-fixtures';
import type { SmallModel } from './lm-fixtures';
import { handleRequest, portable } from '../../web/src/engine/rpc';
import { loadEngineCore } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

let core: Core;
let small: SmallModel;

beforeAll(async () => {
  core = await loadEngineCore();
  value(await core.ensureLm());
  small = makeSmallModel();
});

afterAll(() => {
  core?.dispose();
  if (small) rmSync(small.dir, { recursive: true, force: true });
});

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function errorOf(r: Result<unknown>): string {
  return r.ok ? '(no error)' : r.error;
}

function load(files: LmFiles): number {
  return value(core.lmLoad(files)).id;
}

/** −log softmax(row)[target], in double: the NLL the golden logits give. */
function nllOf(row: number[], target: number): number {
  const top = Math.max(...row);
  const lse = top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0));
  return lse - row[target];
}

/** Tokens t of layer l of a routing: [experts, gates, probabilities]. */
function at(r: LmRouting, l: number, t: number) {
  const row = l * r.tokens + t;
  return {
    ids: Array.from(r.topk_ids.subarray(row * r.top_k, (row + 1) * r.top_k)),
    gates: Array.from(r.topk_weights.subarray(row * r.top_k, (row + 1) * r.top_k)),
    probs: Array.from(r.router_probs.subarray(row * r.experts, (row + 1) * r.experts)),
    logits: Array.from(r.router_logits.subarray(row * r.experts, (row + 1) * r.experts)),
  };
}

function expectClose(actual: number[], expected: number[], tolerance: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  const worst = Math.max(0, ...actual.map((a, i) => Math.abs(a - expected[i])));
  expect(worst, `${what}: largest difference`).toBeLessThan(tolerance);
}

/** Generates in chunks of `chunk` tokens until done: all ids, and each chunk's answer. */
function stream(id: number, chunk: number): { ids: number[]; chunks: LmGenerated[] } {
  const chunks: LmGenerated[] = [];
  for (;;) {
    const next = value(core.lmGenerateNext(id, chunk));
    chunks.push(next);
    if (next.done) break;
  }
  return { ids: chunks.flatMap((c) => Array.from(c.ids)), chunks };
}

describe('language model: the golden cases through the facade', () => {
  for (const name of oracleCases) {
    it(`${name}: router logits, top-k, gates and next-token NLL match transformers' Mixtral`, () => {
      const expected = readExpected(name);
      const info = value(core.lmLoad(readFolder(oracleDir(name))));
      expect(info.tokenizer_vocab_size).toBe(0);
      expect(info.num_hidden_layers).toBe(expected.router_logits.length);
      const T = expected.input_ids[0].length;
      try {
        expected.input_ids.forEach((ids, b) => {
          const trace = value(core.lmTrace(info.id, ids));
          const r = trace.routing;
          expect([r.tokens, r.layers, r.experts, r.top_k]).toEqual([T, info.num_hidden_layers, info.num_local_experts, info.num_experts_per_tok]);
          for (let l = 0; l < r.layers; l++) {
            for (let t = 0; t < T; t++) {
              const row = b * T + t;
              const got = at(r, l, t);
              const where = `b${b} layer ${l} token ${t}`;
              expect(got.ids, where).toEqual(expected.topk_indices[l][row]);
              expectClose(got.logits, expected.router_logits[l][row], 1e-4, `${where} router logits`);
              expectClose(got.gates, expected.topk_weights[l][row], 1e-4, `${where} gates`);
              expectClose(
                got.ids.map((e) => got.probs[e]),
                expected.topk_probs[l][row],
                1e-4,
                `${where} probabilities of the chosen experts`,
              );
              expect(got.probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
            }
          }
          const golden = ids.slice(1).map((next, t) => nllOf(expected.logits[b][t], next));
          expectClose(Array.from(trace.nll), golden, 1e-4, `b${b} next-token NLL`);
          expect(trace.loss).toBeCloseTo(golden.reduce((s, v) => s + v, 0) / golden.length, 4);
          if (expected.input_ids.length === 1) expect(Math.abs(trace.aux_loss - expected.aux_loss)).toBeLessThan(1e-5);
        });
      } finally {
        core.lmDelete(info.id);
      }
    });

    it(`${name}: greedy tokens streamed 3 at a time are the golden ones, each with the routing a full forward gives it`, () => {
      const expected = readExpected(name);
      const id = load(readFolder(oracleDir(name)));
      try {
        const prompt = expected.input_ids[0];
        const start = value(core.lmGenerateStart(id, prompt, { greedy: true, max_new_tokens: 8 }));
        expect(start.position).toBe(prompt.length);
        expect(start.routing.tokens).toBe(prompt.length);
        for (let l = 0; l < start.routing.layers; l++) expect(at(start.routing, l, 0).ids).toEqual(expected.topk_indices[l][0]);
        const { ids, chunks } = stream(id, 3);
        expect(ids).toEqual(expected.greedy);
        expect(chunks.map((c) => c.ids.length)).toEqual([3, 3, 2]);
        expect(chunks.map((c) => c.generated)).toEqual([3, 6, 8]);
        expect(chunks.at(-1)!.position).toBe(prompt.length + 8);
        expect(chunks.every((c) => c.pieces === null)).toBe(true); // no tokenizer in these folders
        // Each streamed token's routing is its row in one forward over prompt + generated tokens.
        const full = value(core.lmTrace(id, [...prompt, ...ids])).routing;
        let t = prompt.length;
        for (const c of chunks) {
          for (let i = 0; i < c.ids.length; i++, t++) {
            for (let l = 0; l < full.layers; l++) {
              expect(at(c.routing, l, i).ids, `token ${t} layer ${l}`).toEqual(at(full, l, t).ids);
              expectClose(at(c.routing, l, i).probs, at(full, l, t).probs, 1e-5, `token ${t} layer ${l}`);
            }
          }
        }
      } finally {
        core.lmDelete(id);
      }
    });
  }
});

describe('language model: through the worker protocol', () => {
  it('a trace posted from the worker arrives whole, nested routing arrays included', () => {
    const id = load(readFolder(oracleDir('mixtral_tiny_l2_e4_top2')));
    const direct = value(core.lmTrace(id, [8, 39, 3]));
    const { reply, transfer } = portable(handleRequest(core, { id: 7, method: 'lmTrace', args: [id, [8, 39, 3]] }));
    const posted = structuredClone(reply, { transfer });
    expect(posted.id).toBe(7);
    expect(posted.result).toEqual({ ok: true, value: direct });
    const failed = handleRequest(core, { id: 8, method: 'lmTrace', args: [id, [99]] });
    expect(failed.result).toEqual({ ok: false, error: 'ids[0]: must be a token id between 0 and 47 (vocab_size - 1), got 99' });
    core.lmDelete(id);
  });
});

describe('language model: the same tokens as the native CLI', () => {
  it('greedy, 20 tokens past each golden prompt', () => {
    for (const name of oracleCases) {
      const prompt = readExpected(name).input_ids[0];
      const id = load(readFolder(oracleDir(name)));
      value(core.lmGenerateStart(id, prompt, { max_new_tokens: 20 }));
      expect(stream(id, 7).ids, name).toEqual(cliGenerate(oracleDir(name), prompt, 20));
      core.lmDelete(id);
    }
  });

  it('greedy and seeded top-p on a model with a real tokenizer, from a text prompt', () => {
    const id = load(readFolder(small.dir));
    const prompt = Array.from(value(core.lmTokenize(id, 'The telescope pointed at')).ids);
    value(core.lmGenerateStart(id, prompt, { greedy: true, max_new_tokens: 24 }));
    expect(stream(id, 5).ids).toEqual(cliGenerate(small.dir, prompt, 24));
    const sampling = { temperature: 0.9, top_p: 0.95, seed: 41 };
    value(core.lmGenerateStart(id, prompt, { greedy: false, ...sampling, max_new_tokens: 24 }));
    const sampled = stream(id, 4).ids;
    expect(sampled).toEqual(cliGenerate(small.dir, prompt, 24, sampling));
    // The same seed again gives the same text; another seed another one.
    value(core.lmGenerateStart(id, prompt, { greedy: false, ...sampling, max_new_tokens: 24 }));
    expect(stream(id, 24).ids).toEqual(sampled);
    value(core.lmGenerateStart(id, prompt, { greedy: false, ...sampling, seed: 42, max_new_tokens: 24 }));
    expect(stream(id, 24).ids).not.toEqual(sampled);
    core.lmDelete(id);
  });
});

describe('language model: tokenizer through the facade', () => {
  const texts = [
    'In the beginning, the cook stirred 37 + 85 = 122 eggs.',
    'tabs\tand\r\nCRLF\u0000NUL\u0007bell\u001b[0m escape',
    'Ελληνικά, русский, 中文, العربية, हिन्दी, e\u0301 (combining), 👩‍🔬 ZWJ, 🙂',
    '   def __init__(self):\n        return None\n',
    '<|endoftext|> special in the middle <|endoftext|>',
    '',
  ];

  it('gives the CLI tokenizer\'s ids and pieces, and decodes them back to the text exactly', () => {
    const id = load(readFolder(small.dir));
    try {
      for (const text of texts) {
        const tokens = value(core.lmTokenize(id, text));
        expect(tokens.pieces.length).toBe(tokens.ids.length);
        const cli = runLm(['tokenizer', 'encode', path.join(small.dir, 'tokenizer.json'), '--text', text.replace(/\u0000/g, '')]) as { ids: number[]; pieces: string[] };
        if (!text.includes('\u0000')) {
          // (A NUL cannot pass through a command-line argument: that text is checked by round trip only.)
          expect(Array.from(tokens.ids), JSON.stringify(text)).toEqual(cli.ids);
          expect(tokens.pieces).toEqual(cli.pieces);
        }
        const back = value(core.lmDetokenize(id, tokens.ids));
        expect(back.text).toBe(text);
        expect(back.pieces).toEqual(tokens.pieces);
        // ASCII text: every token is whole characters, so the pieces spell the text.
        if (/^[\u0000-\u007f]*$/.test(text)) expect(tokens.pieces.join('')).toBe(text);
      }
      // A piece that holds part of a character shows U+FFFD; the joined text is still exact.
      const emoji = value(core.lmTokenize(id, '🙂'));
      expect(emoji.ids.length).toBeGreaterThan(1);
      expect(emoji.pieces.every((p) => p === '\uFFFD')).toBe(true);
      expect(value(core.lmDetokenize(id, emoji.ids)).text).toBe('🙂');
      // Words of the corpus are single tokens: the tokenizer is trained, not bytes.
      expect(value(core.lmTokenize(id, ' the')).ids.length).toBe(1);
    } finally {
      core.lmDelete(id);
    }
  });

  it('round-trips random strings from every plane, controls and lone surrogates (as U+FFFD)', () => {
    const id = load(readFolder(small.dir));
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 200; i++) {
      const chars: string[] = [];
      for (let j = rand(40); j > 0; j--) {
        const kind = rand(4);
        const cp = kind === 0 ? rand(0x80) : kind === 1 ? rand(0x800) : kind === 2 ? 0xe000 + rand(0x2000) : 0x10000 + rand(0x100000);
        chars.push(String.fromCodePoint(cp));
      }
      const text = chars.join('');
      expect(value(core.lmDetokenize(id, value(core.lmTokenize(id, text)).ids)).text).toBe(text);
    }
    // A lone surrogate is not UTF-8; it is encoded as U+FFFD, as TextEncoder does.
    expect(value(core.lmDetokenize(id, value(core.lmTokenize(id, 'a\uD800b')).ids)).text).toBe('a\uFFFDb');
    core.lmDelete(id);
  });
});

describe('language model: bad input gets a message naming it, and the next call works', () => {
  const tiny = () => readFolder(oracleDir('mixtral_tiny_l2_e4_top2'));
  const config = () => JSON.parse(tiny().config) as Record<string, unknown>;

  it('refuses broken folders: config, safetensors, weights, tokenizer', () => {
    const files = tiny();
    const cases: [LmFiles, RegExp][] = [
      [{ ...files, config: '{"vocab_size": 48,' }, /^config/],
      [{ ...files, config: JSON.stringify({ ...config(), hidden_size: 0 }) }, /^config\.hidden_size: /],
      [{ ...files, config: JSON.stringify({ ...config(), num_experts_per_tok: 9 }) }, /^config\.num_experts_per_tok: /],
      [{ ...files, safetensors: files.safetensors.subarray(0, 1000) }, /^safetensors/],
      [{ ...files, safetensors: new Uint8Array(4) }, /^safetensors/],
      [{ ...files, config: JSON.stringify({ ...config(), intermediate_size: 17 }) }, /^weights\..*intermediate|^weights/],
      [{ ...files, tokenizer: '{"model": {}}' }, /^tokenizer\./],
      [{ ...files, tokenizer: 'not json' }, /^tokenizer/],
      [{ ...files, tokenizer: '' }, /^tokenizer: tokenizer\.json is empty/],
      [{ ...files, safetensors: [1, 2, 3] as unknown as Uint8Array }, /^safetensors: must be the bytes/],
      [{ config: 3 } as unknown as LmFiles, /^config: must be the text/],
    ];
    for (const [bad, pattern] of cases) {
      expect(errorOf(core.lmLoad(bad))).toMatch(pattern);
      const ok = core.lmLoad(files);
      expect(ok.ok).toBe(true);
      if (ok.ok) core.lmDelete(ok.value.id);
    }
    // A tokenizer with more tokens than the model's vocabulary.
    const withTokenizer = readFolder(small.dir);
    expect(errorOf(core.lmLoad({ ...files, tokenizer: withTokenizer.tokenizer }))).toBe(`tokenizer: its ${small.vocab} tokens do not fit the model's vocab_size (48)`);
  });

  it('refuses bad prompts, ids and options with the field in the message', () => {
    const id = load({ ...tiny(), config: JSON.stringify({ ...config(), max_position_embeddings: 16 }) });
    const works = () => expect(value(core.lmTrace(id, [1, 2, 3])).routing.tokens).toBe(3);
    const cases: [Result<unknown>, string | RegExp][] = [
      [core.lmTrace(id, []), 'ids: must hold at least one token id'],
      [core.lmTrace(id, new Array(17).fill(1)), "ids: 17 tokens are longer than the model's context, max_position_embeddings (16)"],
      [core.lmTrace(id, [1, 48, 2]), 'ids[1]: must be a token id between 0 and 47 (vocab_size - 1), got 48'],
      [core.lmTrace(id, [1, 1.5]), 'ids[1]: must be a whole number, got 1.5'],
      [core.lmTrace(id, 'abc' as unknown as number[]), /^ids: must be an Int32Array/],
      [core.lmGenerateStart(id, []), 'prompt: must hold at least one token id'],
      [core.lmGenerateStart(id, new Array(10).fill(3), { max_new_tokens: 8 }), 'options.max_new_tokens: prompt (10) + new tokens (8) is longer than max_position_embeddings (16)'],
      [core.lmGenerateStart(id, [3], { greedy: false, temperature: 0, max_new_tokens: 4 }), 'options.temperature: must be a finite number > 0, got 0'],
      [core.lmGenerateStart(id, [3], { greedy: false, top_p: 1.5, max_new_tokens: 4 }), 'options.top_p: must be in (0, 1], got 1.5'],
      [core.lmGenerateStart(id, [3], { seed: -1, max_new_tokens: 4 }), 'options.seed: must be a whole number from 0 to 2^53 - 1'],
      [core.lmGenerateStart(id, [3], { temperature: Number.NaN, max_new_tokens: 4 }), 'options.temperature: must be a finite number'],
      [core.lmGenerateStart(id, [3], { greedy: 'yes' as unknown as boolean, max_new_tokens: 4 }), 'options.greedy: must be true or false'],
      [core.lmGenerateNext(id, 2), 'generate: no generation started (call generateStart)'],
      [core.lmTokenize(id, 'hello'), 'tokenizer: this model was loaded without a tokenizer.json'],
      [core.lmTrace(99, [1]), 'model: no language model with id 99 (load it with lmLoad)'],
    ];
    for (const [r, message] of cases) {
      if (typeof message === 'string') expect(errorOf(r)).toBe(message);
      else expect(errorOf(r)).toMatch(message);
      works();
    }
    // A finished generation says so; a new start works again.
    value(core.lmGenerateStart(id, [3, 4], { max_new_tokens: 2 }));
    expect(errorOf(core.lmGenerateNext(id, 0))).toBe('n: must be a whole number from 1 to 256');
    expect(value(core.lmGenerateNext(id, 5)).ids.length).toBe(2);
    expect(errorOf(core.lmGenerateNext(id, 1))).toBe('generate: all 2 new tokens were generated; start again for more');
    expect(value(core.lmGenerateStart(id, [3, 4], { max_new_tokens: 1 })).position).toBe(2);
    core.lmDelete(id);
  });

  it('a 100,000-character text tokenizes (no hang) and then gets a clear message as a prompt', () => {
    const id = load(readFolder(small.dir));
    const text = 'The quick brown fox, 12 + 34. '.repeat(3334).slice(0, 100_000);
    const tokens = value(core.lmTokenize(id, text));
    expect(tokens.ids.length).toBeGreaterThan(small.context);
    expect(errorOf(core.lmGenerateStart(id, tokens.ids))).toBe(
      `prompt: ${tokens.ids.length} tokens are longer than the model's context, max_position_embeddings (${small.context})`,
    );
    expect(errorOf(core.lmTrace(id, tokens.ids))).toMatch(/^ids: \d+ tokens are longer than the model's context/);
    // More than 1 MiB of text in one call is refused by size.
    expect(errorOf(core.lmTokenize(id, 'x'.repeat((1 << 20) + 1)))).toBe('text: 1048577 bytes is more than the limit of 1048576 (1 MiB) for one call');
    // Control characters and mixed scripts make a prompt like any other.
    const mixed = value(core.lmTokenize(id, 'a\u0000\u0007 Ελλά 中文 🙂\n'));
    value(core.lmGenerateStart(id, mixed.ids, { max_new_tokens: 4 }));
    const next = value(core.lmGenerateNext(id, 4));
    expect(next.pieces?.length).toBe(4);
    core.lmDelete(id);
  });

  it('before its module is loaded, and after the engine is disposed, calls answer with an error value', async () => {
    const other = await loadEngineCore();
    expect(errorOf(other.lmLoad(readFolder(oracleDir('mixtral_tiny_l2_e4_top2'))))).toBe(
      "engine: the language model's module is not loaded yet (EngineCore.ensureLm)",
    );
    value(await other.ensureLm());
    const id = value(other.lmLoad(readFolder(oracleDir('mixtral_tiny_l2_e4_top2')))).id;
    other.dispose();
    expect(errorOf(other.lmTrace(id, [1, 2]))).toBe('engine: disposed');
    expect(errorOf(await other.ensureLm())).toBe('engine: disposed');
  });

  it('a module that fails to load is reported, and loading is tried again on the next call', async () => {
    const { EngineCore } = await import('../../web/src/engine/core');
    const { readFileSync } = await import('node:fs');
    const { wasmDir, loadRawLmModule } = await import('./wasm-engine');
    let attempts = 0;
    const flaky = () => (++attempts === 1 ? Promise.reject(new Error('HTTP 503')) : loadRawLmModule());
    const other = await EngineCore.load({ wasmBinary: readFileSync(path.join(wasmDir, 'moe_engine.wasm')), lm: flaky });
    expect(errorOf(await other.ensureLm())).toBe("engine: the language model's module failed to load: HTTP 503");
    value(await other.ensureLm());
    expect(attempts).toBe(2);
    value(await other.ensureLm()); // loaded once, kept
    expect(attempts).toBe(2);
    expect(value(other.lmLoad(readFolder(oracleDir('mixtral_tiny_l2_e4_top2')))).num_local_experts).toBe(4);
    other.dispose();
  });
});
