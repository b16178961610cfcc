// Shared by the Phase 5 lesson specs: the language model in Node (lm-node.ts) with the shipped
// checkpoint the page loads, to check the page's numbers against; and the native CLI
// (MOE_NATIVE_DIR or build/native) for generation.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { EngineCore } from '../../web/src/engine/core';
import type { LmInfo } from '../../web/src/engine/lm-types';
import { root, tabTo } from './phase2';
import { expect, test } from './fixtures';
import { checkBadTexts, loadLmEngine, loadShipped } from './lm-node';

export const shippedMoe = root('web/public/models/moe-lm');

/** The engine in Node and the shipped MoE model loaded in it. */
export type ShippedLm = { core: EngineCore; info: LmInfo };

/** An EngineCore with the shipped MoE model loaded, from MOE_WASM_DIR or build/wasm. */
export async function loadLmCore(): Promise<ShippedLm> {
  const core = await loadLmEngine();
  return { core, info: loadShipped(core, 'moe-lm') };
}

/** The shipped MoE model in Node for a spec's tests, loaded once before them: call at top level. */
export function shippedLmBeforeAll(): ShippedLm {
  const lm = {} as ShippedLm;
  test.beforeAll(async () => {
    Object.assign(lm, await loadLmCore());
  });
  return lm;
}

/** The first lm-routing-stats widget at `url`, once the lesson's model has loaded. */
export async function routingStatsWidget(page: Page, url: string): Promise<Locator> {
  await page.goto(url);
  await modelReady(page, 'lm-routing-stats');
  return page.locator('[data-widget="lm-routing-stats"]').first();
}

/** Analyses the widget's own-text sample from the keyboard; then the engine's report in Node of that sample. */
export async function analyseOwnSample(page: Page, w: Locator, lm: ShippedLm, params: { sample: string; max_tokens: number }) {
  await tabTo(page, w.locator('[data-control="analyse-own"]'));
  await expect(w).toHaveAttribute('data-own', 'done', { timeout: 60_000 });
  const r = await lm.core.lmAnalyze(lm.info.id, [{ name: 'your text', text: params.sample }], { max_tokens: params.max_tokens });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Types `text` into the widget's own-text box and runs it. */
export async function routeOwnText(w: Locator, text: string) {
  await w.getByLabel('Your own text').fill(text);
  await w.locator('[data-control="analyse-own"]').click();
}

/**
 * Bad own text gets a plain message and the next run works: `blank` (an empty box) and `controls`
 * (only white space and control characters) each get theirs; then `good` routes and the message goes.
 */
export async function checkBadOwnText(w: Locator, blank: string, controls: string, good: string) {
  await checkBadTexts(w.getByLabel('Your own text'), w.locator('[data-control="analyse-own"]'), w.getByRole('alert'), [
    { text: blank, message: 'The box is empty: type or paste some text to route.' },
    { text: controls, message: 'texts[0] (your text): holds only white space and control characters; give it some words to route' },
  ]);
  await routeOwnText(w, good);
  await expect(w).toHaveAttribute('data-own', 'done', { timeout: 60_000 });
  await expect(w.getByRole('alert')).toHaveCount(0);
}

/** `moe lm generate` on the shipped model: the new token ids. */
export function cliGenerate(promptIds: number[], maxNew: number, sampling?: { temperature: number; top_p: number; seed: number }): number[] {
  const dir = process.env.MOE_NATIVE_DIR ? path.resolve(process.env.MOE_NATIVE_DIR) : root('build/native');
  const args = ['lm', 'generate', shippedMoe, '--prompt-ids', promptIds.join(','), '--max-new-tokens', String(maxNew)];
  if (sampling) args.push('--temperature', String(sampling.temperature), '--top-p', String(sampling.top_p), '--seed', String(sampling.seed));
  else args.push('--greedy');
  return (JSON.parse(execFileSync(path.join(dir, 'moe'), args, { encoding: 'utf8' })) as { tokens: number[] }).tokens;
}

/** Waits until the lesson's first model gate has loaded the model (the download is a few MB). */
export async function modelReady(page: Page, widget: string) {
  await expect(page.locator(`[data-widget="${widget}"]`).first().locator('[data-lm-load]')).toHaveCount(0, { timeout: 60_000 });
}
