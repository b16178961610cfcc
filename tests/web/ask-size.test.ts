// "Ask this lesson", size questions: reading the numbers out of "what if" questions
// (web/src/ask/size-questions.ts), and answering them with the real wasm engine's calculator
// (web/src/ask/size-answer.ts, through EngineCore as the worker runs it). Also the build-time
// passage extraction: formulas become readable text, markup never reaches a passage.
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseSizeQuestion } from '../../web/src/ask/size-questions';
import { answerSize, sizeText } from '../../web/src/ask/size-answer';
import type { SizeEngine } from '../../web/src/ask/size-answer';
import { chunk, htmlToBlocks, texToText } from '../../web/src/ask/passages';
import { renderMarkdown } from '../../web/src/lessons/markdown';
import type { EngineCore } from '../../web/src/engine/core';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

describe('reading size questions', () => {
  it.each([
    ['how many active parameters with 16 experts, top-2, 1T total?', { experts: 16, topK: 2, total: 1e12 }],
    ['What if: 8 experts, top-2, 400B parameters - how many are active?', { experts: 8, topK: 2, total: 400e9 }],
    ['active params for 64 experts with k=4 and a 1.5 trillion total', { experts: 64, topK: 4, total: 1.5e12 }],
    ['How many parameters does each token use with E=32, top 1, 200 billion total?', { experts: 32, topK: 1, total: 200e9 }],
    ['active parameters: sixteen experts, top-two, 1T in total', { experts: 16, topK: 2, total: 1e12 }],
    ['Active count for a 1,000,000,000,000 parameter model, 16 experts, top-2?', { experts: 16, topK: 2, total: 1e12 }],
    ['active parameters of a 8x7B-style model: 47B total, top-2', { experts: 8, topK: 2, total: 47e9 }],
  ])('%s', (q, want) => {
    const got = parseSizeQuestion(q);
    expect(got?.kind).toBe('active');
    expect(got).toMatchObject({ ...want, shared: 0, sharedGiven: false, missing: [] });
  });

  it('reads a shared share as a percentage or a fraction', () => {
    expect(parseSizeQuestion('active parameters with 8 experts, top-2, 400B total, 10% shared')).toMatchObject({ shared: 0.1, sharedGiven: true });
    expect(parseSizeQuestion('active params, 8 experts, top-2, 400B total, shared fraction 0.25')).toMatchObject({ shared: 0.25, sharedGiven: true });
  });

  it('lists what an active question leaves out', () => {
    expect(parseSizeQuestion('how many active parameters with 16 experts and top-2?')).toMatchObject({ kind: 'active', missing: ['total'] });
  });

  it.each([
    ['what capacity for factor 1.25 and 512 tokens over 8 experts?', { factor: 1.25, tokens: 512, experts: 8, topK: 1, topKGiven: false }],
    ['Expert capacity with capacity factor 2.0, 1024 tokens, 64 experts, top-2', { factor: 2, tokens: 1024, experts: 64, topK: 2, topKGiven: true }],
    ['capacity if cf=1.0, batch of 4096 tokens and 16 experts', { factor: 1, tokens: 4096, experts: 16 }],
  ])('%s', (q, want) => {
    const got = parseSizeQuestion(q);
    expect(got?.kind).toBe('capacity');
    expect(got).toMatchObject({ ...want, missing: [] });
  });

  it('leaves ordinary questions to the text search', () => {
    for (const q of [
      'What is the difference between total and active parameters?',
      'Why are the active parameters smaller than the total?',
      'What is a capacity factor?',
      'How many experts run for one token?',
      'With 16 experts and top-2, what share of the expert work does one token trigger?', // no size
      '',
    ]) {
      expect(parseSizeQuestion(q), q).toBeNull();
    }
  });

  it('survives hostile input', () => {
    const long = `active parameters ${'9'.repeat(5000)} experts top-2 ${'1'.repeat(400)}T total`;
    const got = parseSizeQuestion(long);
    // Absurd numbers are read as numbers; the engine, not the parser, rejects them.
    expect(got === null || got.kind === 'active').toBe(true);
    expect(parseSizeQuestion('<b>active</b> params <i>16</i> experts top-2 1T')).toMatchObject({ experts: 16, topK: 2, total: 1e12 });
    expect(parseSizeQuestion('كم عدد المعاملات النشطة؟ 16 experts, top-2, 1T active?')).toMatchObject({ experts: 16, topK: 2, total: 1e12 });
    expect(parseSizeQuestion('active ١٦ experts')).toBeNull();
    expect(parseSizeQuestion(undefined as unknown as string)).toBeNull();
    expect(parseSizeQuestion('((((((((((((((((((((((((((((((((((((((((active')).toBeNull();
  });

  it('finishes on adversarial separators (the test timeout guards against catastrophic backtracking)', () => {
    const q = `active ${'1 '.repeat(3000)}x capacity ${'1,'.repeat(3000)}`;
    expect(() => parseSizeQuestion(q)).not.toThrow();
    expect(() => parseSizeQuestion(q.replace('capacity', ''))).not.toThrow();
  });
});

describe('answering size questions with the engine', () => {
  let core: EngineCore;
  let engine: SizeEngine;

  beforeAll(async () => {
    const g = globalThis as Record<string, unknown>;
    g.__dirname ??= root('build/wasm');
    g.require ??= createRequire(root('build/wasm/moe_engine.mjs'));
    const { EngineCore } = await import('../../web/src/engine/core');
    core = await EngineCore.load({ wasmBinary: fs.readFileSync(root('build/wasm/moe_engine.wasm')) });
    engine = { solveActive: async (...args) => core.solveActive(...args), forward: async (...args) => core.forward(...args) };
  });

  it("shows the engine's number and its formula", async () => {
    const q = 'how many active parameters with 16 experts, top-2, 1T total?';
    const a = await answerSize(parseSizeQuestion(q)!, engine, q, false);
    const solved = core.solveActive(1e12, 0, 16, 2);
    expect(solved.ok).toBe(true);
    if (!solved.ok) return;
    expect(a.problem).toBeUndefined();
    expect(a.formula).toContain('(k / E)');
    expect(a.result?.headline).toBe(`About ${sizeText(solved.value.active_params)} active parameters per token`);
    expect(a.result?.headline).toBe('About 125B active parameters per token');
    expect(a.inputs.map((i) => `${i.symbol}=${i.value}`)).toEqual(['T=1T', 'E=16', 'k=2', 's=0.0%']);
  });

  it("passes the engine's own error through", async () => {
    const q = 'active parameters with 4 experts, top-8, 1T total';
    const a = await answerSize(parseSizeQuestion(q)!, engine, q, false);
    expect(a.result).toBeUndefined();
    expect(a.problem).toMatch(/^The engine could not answer: /);
  });

  it('asks for what is missing instead of guessing', async () => {
    const q = 'how many active parameters with 16 experts and top-2?';
    const a = await answerSize(parseSizeQuestion(q)!, engine, q, false);
    expect(a.result).toBeUndefined();
    expect(a.problem).toContain('the total size (T)');
  });

  it("reads capacity from the engine's routing trace and shows the engine's formula", async () => {
    const q = 'what capacity for factor 1.25 and 512 tokens over 8 experts?';
    const a = await answerSize(parseSizeQuestion(q)!, engine, q, false);
    const routed = core.forward(
      { config: { d_model: 1, d_ff: 1, num_experts: 8, top_k: 1, router_kind: 'softmax_top1_capacity', capacity_factor: 1.25, activation: 'relu', expert_kind: 'mlp' }, seed: 1 },
      new Float32Array(512),
      512,
    );
    expect(routed.ok).toBe(true);
    if (!routed.ok) return;
    expect(a.problem).toBeUndefined();
    expect(a.formula).toContain('(Switch, top-1)');
    expect(a.result?.headline).toBe(`Each expert takes at most ${routed.value.capacity} tokens per group`);
    expect(routed.value.capacity).toBe(80); // ⌊1.25 · 512 / 8⌋, as the engine's header states

    const topk = 'expert capacity with capacity factor 2.0, 1024 tokens, 64 experts, top-2';
    const b = await answerSize(parseSizeQuestion(topk)!, engine, topk, false);
    expect(b.formula).toContain('(GShard, top-k)');
    expect(b.result?.headline).toBe('Each expert takes at most 64 tokens per group');
  });

  it("passes the engine's capacity errors through and refuses batches too big to route", async () => {
    const absurd = 'capacity for factor 5000000 with 64 tokens and 8 experts';
    const a = await answerSize(parseSizeQuestion(absurd)!, engine, absurd, false);
    expect(a.result).toBeUndefined();
    expect(a.problem).toMatch(/^The engine could not answer: config\.capacity_factor/);
    const huge = 'capacity for factor 1.25 with 10000000 tokens and 8 experts';
    const b = await answerSize(parseSizeQuestion(huge)!, engine, huge, false);
    expect(b.result).toBeUndefined();
    expect(b.problem).toMatch(/routes at most 65,536 tokens/);
    const missing = 'what capacity for 512 tokens?';
    const c = await answerSize(parseSizeQuestion(missing)!, engine, missing, false);
    expect(c.problem).toContain('the capacity factor');
  });
});

describe('passages from rendered lessons', () => {
  it('turns KaTeX into readable text and drops its visual copy', () => {
    const blocks = htmlToBlocks(renderMarkdown('Softmax:\n\n$$p_e = \\frac{e^{\\ell_e}}{\\sum_j e^{\\ell_j}}$$\n\nwith $k = 2$ kept.'));
    expect(blocks.map((b) => b.text)).toEqual(['Softmax:', 'p_e = e^ℓ_e / (Σ_j e^ℓ_j)', 'with k = 2 kept.']);
    expect(blocks[1].display).toBe(true);
    expect(texToText('\\text{active} = s\\,T + \\frac{k}{E}\\,(1 - s)\\,T')).toBe('active = s T + k / E (1 - s) T');
  });

  it('keeps markup in lesson text as text', () => {
    const blocks = htmlToBlocks(renderMarkdown('Write <script>alert(1)</script> & <b>bold</b> here.'));
    expect(blocks[0].text).toBe('Write <script>alert(1)</script> & <b>bold</b> here.');
  });

  it('cuts long paragraphs into runs of whole sentences', () => {
    const para = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} says something about experts and routers.`).join(' ');
    const parts = chunk(para);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join(' ')).toBe(para);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(340);
  });
});
