// "Knock an expert out" end to end in Chromium against the production build: one expert off in
// one layer (chosen by keyboard), the held-out loss with and without and the domain that rises
// most, checked against the same wasm engine in Node on the same checkpoint and corpus; the sweep
// over every expert with its progress bar, and Cancel; first choice masked; greedy text with and
// without the knock-out, the unmasked one equal to the native CLI's greedy generation; 375 px,
// axe, screenshots.
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { loadLesson, narrowAndDarkChecks, openLesson, paramsOf, widgetScreenshots } from './lesson-page';
import { tabTo } from './phase2';
import { answerAndContinue, checkBadTexts, heldoutTexts, loadLmEngine, loadShipped, textBoxAt, value } from './lm-node';
import { cliGenerate } from './lm-page';
import type { EngineCore } from '../../web/src/engine/core';
import type { LmInfo } from '../../web/src/engine/lm-types';
import { lmKnockoutParams } from '../../web/src/widgets/lm-knockout/params';
import { lossRows, largestRise } from '../../web/src/widgets/lm-compare/compare';

const lesson = loadLesson('knock-out-expert');
const params = lmKnockoutParams.parse({ ...paramsOf<object>(lesson, 'lm-knockout'), show: 'loss' });

let core: EngineCore;
let moe: LmInfo;

test.beforeAll(async () => {
  core = await loadLmEngine();
  moe = loadShipped(core, 'moe-lm');
});

const widget = (page: Page, show: string): Locator => page.locator(`[data-widget="lm-knockout"][data-show="${show}"]`);

test('one expert off in one layer: the losses and the domain that rises most equal the engine in Node', async ({ page }) => {
  test.setTimeout(180_000);
  await openLesson(page, lesson);
  const w = widget(page, 'loss');
  const layer = w.locator('[data-control="layer"]');
  await expect(layer).toBeVisible({ timeout: 60_000 });
  // Keyboard only: layer 2, expert 5, then the button.
  await layer.focus();
  await layer.selectOption('2');
  await w.locator('[data-control="expert"]').selectOption('5');
  await tabTo(page, w.locator('[data-control="knock-out"]'));
  await expect(w.locator('[data-summary]')).toBeVisible({ timeout: 90_000 });

  const texts = heldoutTexts();
  const before = value(core.lmEval(moe.id, texts, { max_tokens: params.max_tokens }));
  const after = value(core.lmEval(moe.id, texts, { max_tokens: params.max_tokens, experts_off: [[1, 5]] }));
  const rows = lossRows(after, before);
  for (const r of rows) {
    const tr = w.locator(`tr[data-domain="${r.name}"]`);
    expect(Number(await tr.locator('[data-before]').getAttribute('data-before'))).toBeCloseTo(r.b, 6);
    expect(Number(await tr.locator('[data-after]').getAttribute('data-after'))).toBeCloseTo(r.a, 6);
  }
  const rise = largestRise(rows);
  await expect(w.locator('[data-summary]')).toContainText(rise ? `rises most on ${rise.name}` : 'no domain');
  await expect(w.locator('table[data-losses] caption')).toContainText('expert 5 switched off in layer 2');
  await widgetScreenshots(page, 'knock-out-loss', w);

  // First choice masked in every layer.
  await w.getByLabel("Mask each token's first choice (every layer)").check();
  await w.locator('[data-control="knock-out"]').click();
  await expect(w.locator('table[data-losses] caption')).toContainText("each token's first choice masked", { timeout: 90_000 });
  const masked = value(core.lmEval(moe.id, texts, { max_tokens: params.max_tokens, mask_top_ranks: 1 }));
  const first = masked.domains[0];
  expect(Number(await w.locator(`tr[data-domain="${first.name}"] [data-after]`).getAttribute('data-after'))).toBeCloseTo(first.loss, 6);
});

test('switching off each expert in turn shows progress, and Cancel stops it with the experts done so far', async ({ page }) => {
  test.setTimeout(240_000);
  await openLesson(page, lesson);
  const w = widget(page, 'loss');
  await expect(w.locator('[data-control="sweep"]')).toBeVisible({ timeout: 60_000 });
  await w.locator('[data-control="sweep"]').click();
  await expect(w.locator('progress')).toBeVisible();
  // Cancel as soon as the first expert's row is in (waitFor sees it at once; an expect polling
  // for exactly one row could miss it when two arrive between two polls).
  await w.locator('table[data-sweep] tbody tr').first().waitFor({ timeout: 90_000 });
  await w.locator('[data-control="cancel"]').click();
  await expect(w.locator('[data-cancelled]')).toBeVisible();
  const done = await w.locator('table[data-sweep] tbody tr').count();
  expect(done).toBeLessThan(moe.num_local_experts);
  await page.waitForTimeout(3000);
  await expect(w.locator('table[data-sweep] tbody tr')).toHaveCount(done);

  // Run it through: the expert marked for each domain is the one the engine in Node finds.
  await w.locator('[data-control="sweep"]').click();
  await expect(w.locator('[data-sweep-summary]')).toBeVisible({ timeout: 200_000 });
  const texts = heldoutTexts();
  const before = value(core.lmEval(moe.id, texts, { max_tokens: params.max_tokens }));
  const rises = Array.from({ length: moe.num_local_experts }, (_, e) => lossRows(value(core.lmEval(moe.id, texts, { max_tokens: params.max_tokens, experts_off: [e] })), before));
  const parts = before.domains.map((d, i) => {
    let best = 0;
    for (let e = 1; e < rises.length; e++) if (rises[e][i].diff > rises[best][i].diff) best = e;
    return `${d.name}: expert ${best}`;
  });
  for (const p of parts) await expect(w.locator('[data-sweep-summary]')).toContainText(p);
});

test('greedy text with and without the knock-out; the plain one is the native CLI greedy continuation', async ({ page }) => {
  test.setTimeout(120_000);
  const w = widget(page, 'generate');
  const box = await textBoxAt(page, lesson, 'generate', w);
  const prompt = 'In the beginning God created';
  await box.fill(prompt);
  await w.locator('[data-control="expert"]').selectOption('3');
  await tabTo(page, w.locator('[data-control="generate"]'));
  await expect(w.locator('[data-gen-summary]')).toBeVisible({ timeout: 60_000 });
  const ids = Array.from(value(core.lmTokenize(moe.id, prompt)).ids);
  const n = Math.min(40, moe.max_position_embeddings - ids.length);
  const cli = cliGenerate(ids, n);
  const plainText = value(core.lmDetokenize(moe.id, cli)).text;
  const shown = (await w.locator('[data-text="plain"] pre').innerText()).replace(/⏎/g, '').replace(/⇥/g, '\t');
  expect(shown).toBe(plainText);
  const knocked = value(core.lmGenerateMasked(moe.id, ids, { max_new_tokens: n, experts_off: [3] }));
  const shownKnocked = (await w.locator('[data-text="knocked"] pre').innerText()).replace(/⏎/g, '').replace(/⇥/g, '\t');
  expect(shownKnocked).toBe(knocked.text);
  await narrowAndDarkChecks(page, 'knock-out-generate', w);

  // Bad prompts: empty, too long; then a good one still works.
  await checkBadTexts(box, w.locator('[data-control="generate"]'), w.locator('[data-run-error]'), [
    { text: '', message: 'Type some text first.' },
    { text: 'word '.repeat(20_000), message: '100,000 characters long', part: true },
    { text: 'a b '.repeat(200), message: 'this model reads at most 128 tokens', part: true },
  ]);
  await box.fill(prompt);
  await w.locator('[data-control="generate"]').click();
  await expect(w.locator('[data-gen-summary]')).toBeVisible({ timeout: 60_000 });
  // The rest of the lesson by keyboard.
  await answerAndContinue(page, lesson, 'generate', true);
  await answerAndContinue(page, lesson, 'limits', true);
});
