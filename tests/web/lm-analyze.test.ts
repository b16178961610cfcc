// lmAnalyze (engine/wasm/lm_analysis_bindings.cpp through the facade) on the shipped MoE language
// model: the numbers equal what the native `moe lm analyze` prints for the same checkpoint and text
// (the held-out corpus, and one text of the learner's), and bad input is answered with a message
// naming the field, after which the next call still works.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LmAnalysis } from '../../web/src/engine/lm-types';
import type { Result } from '../../web/src/engine/types';
import { readFolder, runLm } from './lm-fixtures';
import { loadEngineCore, repo } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

const shipped = path.join(repo, 'web/public/models/moe-lm');
const corpus = process.env.MOE_LM_CORPUS ? path.resolve(process.env.MOE_LM_CORPUS) : path.join(repo, 'build/lm-corpus');
// Fewer tokens than the CLI's default keep the native masking studies it also runs short.
const MAX_TOKENS = 1024;

let core: Core;
let id: number;
let scratch: string;

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

beforeAll(async () => {
  core = await loadEngineCore();
  value(await core.ensureLm());
  id = value(core.lmLoad(readFolder(shipped))).id;
  scratch = mkdtempSync(path.join(tmpdir(), 'moe-analyze-'));
});

afterAll(() => {
  core?.dispose();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The held-out text of every domain of the corpus, by name, in the CLI's (sorted) order. */
function heldout(): { name: string; text: string }[] {
  const names = readdirSync(corpus, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return names.map((name) => ({ name, text: readFileSync(path.join(corpus, name, 'heldout.txt'), 'utf8') }));
}

/**
 * Every leaf of `expected` (the CLI's report, minus what only the CLI computes) found in `actual`:
 * numbers within `tol`, everything else equal. Answers the paths that differ.
 */
function differences(actual: unknown, expected: unknown, tol: number, where = 'report'): string[] {
  if (typeof expected === 'number') {
    return typeof actual === 'number' && Math.abs(actual - expected) <= tol ? [] : [`${where}: ${String(actual)} vs CLI ${expected}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${where}: length ${Array.isArray(actual) ? actual.length : 'none'} vs CLI ${expected.length}`];
    return expected.flatMap((e, i) => differences(actual[i], e, tol, `${where}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return [`${where}: missing`];
    const a = actual as Record<string, unknown>;
    return Object.entries(expected).flatMap(([k, e]) => differences(a[k], e, tol, `${where}.${k}`));
  }
  return actual === expected ? [] : [`${where}: ${JSON.stringify(actual)} vs CLI ${JSON.stringify(expected)}`];
}

function cliReport(args: string[]): Record<string, unknown> {
  const report = runLm(['analyze', shipped, ...args, '--max-tokens', String(MAX_TOKENS)]) as Record<string, unknown>;
  // The CLI alone runs the masking studies (lmEval's job in the page) and router saturation.
  delete report.masking;
  delete report.router_saturation;
  return report;
}

describe('lmAnalyze on the shipped MoE model', () => {
  it('equals moe lm analyze on the held-out corpus, layer by layer', () => {
    const texts = heldout();
    expect(texts.map((t) => t.name)).toEqual(['arithmetic', 'code', 'prose']);
    const report: LmAnalysis = value(core.lmAnalyze(id, texts, { max_tokens: MAX_TOKENS }));
    const cli = cliReport(['--corpus', corpus]);
    expect(differences(report, cli, 1e-5)).toEqual([]);
    // The parts the lessons read, present and shaped: L layers, D domains, E experts.
    const { layers, experts, top_k } = report.model;
    expect(report.consecutive_agreement).toHaveLength(layers);
    expect(report.expert_share[0]).toHaveLength(3);
    for (const row of report.expert_share[layers - 1]) {
      expect(row).toHaveLength(experts);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(top_k, 6);
    }
    expect(Object.keys(report.consecutive_agreement_by_domain).sort()).toEqual(['arithmetic', 'code', 'prose']);
    expect(report.heldout_loss.domains.map((d) => d.tokens)).toEqual([MAX_TOKENS, MAX_TOKENS, MAX_TOKENS]);
  }, 180_000);

  it("equals moe lm analyze --text on a learner's own text", () => {
    const text = 'The cook stirred the soup, then wrote\nfor i in range(10):\n    print(i * 7)\nand 12 + 30 = 42.';
    const file = path.join(scratch, 'mine.txt');
    writeFileSync(file, text);
    const report = value(core.lmAnalyze(id, [{ name: 'text', text }], { max_tokens: MAX_TOKENS }));
    expect(differences(report, cliReport(['--text', file]), 1e-5)).toEqual([]);
    expect(report.tokens).toBeGreaterThan(10);
  }, 60_000);

  it('answers bad input with a message naming the field, and the next call works', () => {
    const ok = [{ name: 'mine', text: 'In the beginning was the word.' }];
    const error = (r: Result<unknown>) => (r.ok ? '(no error)' : r.error);
    expect(error(core.lmAnalyze(9999, ok))).toBe('model: no language model with id 9999 (load it with lmLoad)');
    expect(error(core.lmAnalyze(id, []))).toBe('texts: must hold at least one named text');
    expect(error(core.lmAnalyze(id, [{ name: 'mine', text: '\u0001\u0002\t\n \u001b' }]))).toBe(
      'texts[0] (mine): holds only white space and control characters; give it some words to route',
    );
    expect(error(core.lmAnalyze(id, [...ok, ...ok]))).toBe('texts[1].name: "mine" is used twice; names must differ');
    expect(error(core.lmAnalyze(id, [{ name: '', text: 'words' }]))).toBe('texts[0].name: must be 1 to 64 characters long');
    expect(error(core.lmAnalyze(id, [{ name: 'mine', text: 'a' }]))).toBe('texts[0] (mine): is 1 token long; the analysis needs at least 2');
    expect(error(core.lmAnalyze(id, ok, { top_vocab: 0 }))).toBe('options.top_vocab: must be a whole number from 1 to 1000');
    expect(error(core.lmAnalyze(id, ok, { context: 1.5 }))).toMatch(/^options\.context: must be a whole number from 0 to \d+$/);
    // Mixed scripts and control characters among words are text like any other.
    const mixed = value(core.lmAnalyze(id, [{ name: 'mixed', text: 'tab\there\u0007 Ελλά 中文 🙂 and more words' }]));
    expect(mixed.domains).toEqual(['mixed']);
    const again = value(core.lmAnalyze(id, ok));
    expect(again.tokens).toBeGreaterThan(2);
  });
});
