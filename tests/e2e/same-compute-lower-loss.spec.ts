// "Same compute, lower loss?" end to end in Chromium against the production build: the parameter
// table, the curves read from the committed training logs, the held-out loss per domain and the
// loss on the learner's text, every number checked against the same wasm engine run here in Node
// on the same checkpoints and corpus; bad text (empty, 100,000 characters, controls and mixed
// scripts) gets a message and breaks nothing; keyboard only; 375 px; axe; screenshots.
import fs from 'node:fs';
import type { Locator } from '@playwright/test';
import { test, expect } from './fixtures';
import { loadLesson, narrowAndDarkChecks, openLesson, paramsOf, widgetScreenshots } from './lesson-page';
import { root, tabTo } from './phase2';
import { answerAndContinue, checkBadTexts, heldoutTexts, loadLmEngine, loadShipped, reach, textBoxAt, value } from './lm-node';
import type { EngineCore } from '../../web/src/engine/core';
import type { LmInfo } from '../../web/src/engine/lm-types';
import { lmCompareParams } from '../../web/src/widgets/lm-compare/params';
import { parseTrainingLog } from '../../web/src/widgets/lm-compare/training-log';

const lesson = loadLesson('same-compute-lower-loss');
const params = lmCompareParams.parse({ ...paramsOf<object>(lesson, 'lm-compare'), show: 'heldout' });

let core: EngineCore;
let moe: LmInfo;
let dense: LmInfo;

test.beforeAll(async () => {
  core = await loadLmEngine();
  moe = loadShipped(core, 'moe-lm');
  dense = loadShipped(core, 'dense-lm');
});

const widget = (page: import('@playwright/test').Page, show: string): Locator => page.locator(`[data-widget="lm-compare"][data-show="${show}"]`);
const nats = (x: number) => x.toFixed(3);

test('parameters, logged curves, held-out loss and own-text loss equal the engine in Node', async ({ page }) => {
  test.setTimeout(180_000);
  await openLesson(page, lesson);

  // Total and active parameters, counted by the engine from each checkpoint.
  const sizes = widget(page, 'params');
  await expect(sizes.locator('[data-sizes]')).toBeVisible({ timeout: 60_000 });
  await expect(sizes.locator('tr[data-model="moe"] td').nth(0)).toHaveText(moe.total_params.toLocaleString('en'));
  await expect(sizes.locator('tr[data-model="moe"] td').nth(1)).toHaveText(moe.active_params.toLocaleString('en'));
  await expect(sizes.locator('tr[data-model="dense"] td').nth(1)).toHaveText(dense.active_params.toLocaleString('en'));
  expect(moe.active_params).toBeLessThan(moe.total_params);
  await answerAndContinue(page, lesson, 'budget', true);

  // The curves: the last logged loss of each domain, as the committed logs hold it.
  const curves = widget(page, 'curves');
  const log = value(parseTrainingLog(fs.readFileSync(root('web/public/models/moe-lm/training_log.json'), 'utf8')));
  await curves.locator('summary').click();
  const last = curves.locator('tbody tr').last();
  await expect(last.locator('th')).toHaveText(String(log.steps[log.steps.length - 1]));
  await expect(last.locator('td').nth(1)).toHaveText(nats(log.loss[0][log.loss[0].length - 1]));
  await expect(curves).toContainText('Logged during training, not computed now');
  await answerAndContinue(page, lesson, 'curves', true);

  // Held-out loss per domain, computed now by both models, keyboard only.
  const held = widget(page, 'heldout');
  await tabTo(page, held.locator('[data-control="evaluate"]'));
  await expect(held.locator('[data-summary]')).toBeVisible({ timeout: 90_000 });
  const texts = heldoutTexts();
  const a = value(core.lmEval(moe.id, texts, { max_tokens: params.max_tokens }));
  const b = value(core.lmEval(dense.id, texts, { max_tokens: params.max_tokens }));
  for (const [i, d] of a.domains.entries()) {
    const row = held.locator(`tr[data-domain="${d.name}"]`);
    await expect(row.locator('td').nth(0)).toHaveText(d.tokens.toLocaleString('en'));
    expect(Number(await row.locator('[data-moe]').getAttribute('data-moe'))).toBeCloseTo(d.loss, 6);
    expect(Number(await row.locator('[data-dense]').getAttribute('data-dense'))).toBeCloseTo(b.domains[i].loss, 6);
  }
  const wins = a.domains.filter((d, i) => d.loss - b.domains[i].loss < -5e-5).length;
  await expect(held.locator('[data-summary]')).toContainText(`lower on ${wins} of ${a.domains.length} domains`);
  await widgetScreenshots(page, 'same-compute-heldout', held);
  await answerAndContinue(page, lesson, 'heldout', true);

  // The learner's own text, scored by both.
  const own = widget(page, 'text');
  const mine = 'def mean(values):\n    return sum(values) / len(values)\n';
  await own.locator('textarea').fill(mine);
  await tabTo(page, own.locator('[data-control="score-text"]'));
  await expect(own.locator('[data-summary]')).toBeVisible({ timeout: 60_000 });
  const ma = value(core.lmEval(moe.id, [{ name: 'your text', text: mine }]));
  const mb = value(core.lmEval(dense.id, [{ name: 'your text', text: mine }]));
  const row = own.locator('tr[data-domain="your text"]');
  expect(Number(await row.locator('[data-moe]').getAttribute('data-moe'))).toBeCloseTo(ma.domains[0].loss, 6);
  expect(Number(await row.locator('[data-dense]').getAttribute('data-dense'))).toBeCloseTo(mb.domains[0].loss, 6);
  await expect(own.locator('[data-summary]')).toContainText(ma.loss < mb.loss ? 'the MoE was less surprised' : 'the dense model was less surprised');
  await answerAndContinue(page, lesson, 'own-text', true);
  await answerAndContinue(page, lesson, 'limits', true);
  await narrowAndDarkChecks(page, 'same-compute-curves', curves);
  await widgetScreenshots(page, 'same-compute-own-text', own);
});

test('bad text gets a clear message and the next text still scores', async ({ page }) => {
  test.setTimeout(120_000);
  const own = widget(page, 'text');
  const box = await textBoxAt(page, lesson, 'own-text', own);
  await checkBadTexts(box, own.locator('[data-control="score-text"]'), own.locator('[data-run-error]'), [
    { text: '   ', message: 'Type some text first.' },
    { text: 'x'.repeat(100_000), message: 'This text is 100,000 characters long; this box takes at most 20,000. Shorten it and try again.' },
  ]);
  const odd = 'tab\there\u0007bell\u0000nul, Ελληνικά, русский, 中文, עברית 🙂';
  await box.fill(odd);
  await own.locator('[data-control="score-text"]').click();
  await expect(own.locator('[data-summary]')).toBeVisible({ timeout: 60_000 });
  await expect(own.locator('[data-run-error]')).toHaveCount(0);
  const ma = value(core.lmEval(moe.id, [{ name: 'your text', text: odd.normalize('NFC') }]));
  expect(Number(await own.locator('[data-moe]').getAttribute('data-moe'))).toBeCloseTo(ma.domains[0].loss, 6);
});

test('a model that fails to load says why and offers Retry; the rest of the lesson keeps working', async ({ page, pageErrors }) => {
  test.setTimeout(120_000);
  let fail = true;
  await page.route('**/models/dense-lm/model.safetensors', (route) => (fail ? route.fulfill({ status: 503, body: 'unavailable' }) : route.fallback()));
  await openLesson(page, lesson);
  const sizes = widget(page, 'params');
  await expect(sizes.getByRole('alert')).toContainText('model.safetensors: HTTP 503', { timeout: 60_000 });
  // The logged curves need no model and still draw.
  await reach(page, lesson, 'curves');
  await expect(widget(page, 'curves').locator('svg').first()).toBeVisible();
  fail = false;
  await sizes.locator('[data-control="retry-load"]').first().click();
  await expect(sizes.locator('[data-sizes]')).toBeVisible({ timeout: 60_000 });
  // The browser logs the refused download as a console error: expected here, and nothing else is.
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !e.endsWith('status of 503 (Service Unavailable)')));
});
