// Lesson 5 of Phase 5, "Train one yourself": the page trains a small language model in the
// engine's worker. The run with no balancing is replayed here in Node on the same wasm build, the
// same recipe and the same corpus files the page fetched (dist/models/...), and every number the
// page shows for it is held against that replay: the losses of the data table, the load summary
// and held-out loss of the comparison table, the router saturation and the samples. Also: keyboard
// only, Cancel mid-run, a failed corpus load with Retry, bad prompts, 375 px, dark, axe.
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, shot, seriousA11yViolations } from './fixtures';
import { loadLesson, narrowAndDarkChecks, ok, paramsOf } from './lesson-page';
import { rightAnswer, root, stepSection } from './phase2';
import { loadLmEngine } from './lm-node';
import type { EngineCore } from '../../web/src/engine/core';
import type { LmTrainTexts } from '../../web/src/engine/lm-types';
import type { CorpusIndex } from '../../web/src/engine/corpus';
import type { LmTrainParams } from '../../web/src/widgets/lm-train/params';
import { lessonRecipe } from '../../web/src/widgets/lm-train/recipes';
import { chunkEnds, lastMean, samplePoints, stopPoints } from '../../web/src/widgets/lm-train/summary';
import { fmt, percent } from '../../web/src/widgets/format';

const lesson = loadLesson('train-your-own');
const params = paramsOf<LmTrainParams>(lesson, 'lm-train');
const dist = (p: string) => root(`dist/${p}`);

/** The files the page fetches for a run, read from the build the server serves. */
function pageTexts(): LmTrainTexts {
  const corpus = params.corpus.replace(/\/?$/, '/');
  const index = JSON.parse(fs.readFileSync(dist(`${corpus}index.json`), 'utf8')) as CorpusIndex;
  return {
    tokenizer: fs.readFileSync(dist(`${params.model.replace(/\/?$/, '/')}tokenizer.json`), 'utf8'),
    domains: index.domains.map((d) => d.name),
    train: index.domains.map((d) => fs.readFileSync(dist(`${corpus}${d.train.file}`), 'utf8')),
    heldout: index.domains.map((d) => fs.readFileSync(dist(`${corpus}${d.heldout.file}`), 'utf8')),
  };
}

interface Replay {
  loss: number[];
  maxShare: number[][]; // [L][step]
  loadCv: number[][];
  dead: number[][];
  samples: { step: number; text: string }[];
  heldout: number[];
  saturationMean: number[];
  domains: string[];
}

/** The page's run of `kind`, replayed in Node: the same stops, records and samples. */
async function replay(core: EngineCore, prompt: string): Promise<Replay> {
  const texts = pageTexts();
  const run = ok(core.lmTrainStart(lessonRecipe('none', params.steps, params.seed), texts));
  const L = run.layers;
  const out: Replay = { loss: [], maxShare: [[], []], loadCv: [[], []], dead: [[], []], samples: [], heldout: [], saturationMean: [], domains: texts.domains };
  const sampleAt = new Set([0, params.steps, ...samplePoints(params.steps)]);
  let done = 0;
  for (const target of stopPoints({ recordEvery: params.record_every, sampleAt: samplePoints(params.steps) }, params.steps)) {
    if (target > done) {
      const chunk = ok(core.lmTrainSteps(run.id, target - done));
      out.loss.push(...chunk.loss);
      for (let s = 0; s < chunk.loss.length; s++) {
        for (let l = 0; l < L; l++) {
          out.maxShare[l].push(chunk.max_share[s * L + l]);
          out.loadCv[l].push(chunk.load_cv[s * L + l]);
          out.dead[l].push(chunk.dead_experts[s * L + l]);
        }
      }
      done = target;
    }
    ok(core.lmTrainRecordRouting(run.id));
    if (sampleAt.has(target)) out.samples.push({ step: target, text: ok(core.lmTrainGenerate(run.id, prompt, { max_new_tokens: params.sample_tokens })).text });
  }
  out.heldout = ok(core.lmTrainHeldout(run.id));
  out.saturationMean = Array.from(ok(core.lmTrainSaturation(run.id)).mean);
  core.lmTrainDelete(run.id);
  return out;
}

/** Keyboard only: Tab until `target` has focus, then press Enter. */
async function tabTo(page: Page, target: ReturnType<Page['locator']>) {
  for (let i = 0; i < 300; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      await page.keyboard.press('Enter');
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`could not reach ${String(target)} with the Tab key`);
}

test('train-your-own: a run with no balancing shows the Node engine’s numbers, by keyboard alone', async ({ page }) => {
  test.setTimeout(600_000);
  const core = await loadLmEngine();
  const want = await replay(core, params.prompt);
  core.dispose();

  await page.goto(`/#/lesson/${lesson.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
  const w = page.locator('[data-widget="lm-train"]').first();
  await tabTo(page, w.locator('[data-action="train-none"]'));
  await expect(w.locator('[data-action="cancel"]')).toBeVisible();
  await expect(w.locator('[data-done]')).toBeVisible({ timeout: 540_000 });
  console.log(`lm-train, ${params.steps} steps: ${await w.locator('[data-rate]').innerText()} steps/s in Chromium (page round trips included)`);

  // The samples along the way: the same text at the same steps.
  for (const s of want.samples) await expect(w.locator(`[data-sample="${s.step}"] .text`)).toHaveText(s.text);
  // The comparison table: load summary over the last `tail` steps, held-out loss per domain.
  const row = w.locator('[data-row="none"]');
  await expect(row.locator('[data-cell="loss"]')).toHaveText(fmt(lastMean(want.loss, params.tail)));
  for (let l = 0; l < 2; l++) {
    await expect(row.locator(`[data-cell="max-share-${l}"]`)).toHaveText(percent(lastMean(want.maxShare[l], params.tail)));
    await expect(row.locator(`[data-cell="cv-${l}"]`)).toHaveText(fmt(lastMean(want.loadCv[l], params.tail)));
    await expect(row.locator(`[data-cell="dead-${l}"]`)).toHaveText(`${fmt(lastMean(want.dead[l], params.tail), 1)} of 8`);
  }
  for (const [i, d] of want.domains.entries()) await expect(row.locator(`[data-cell="heldout-${d}"]`)).toHaveText(fmt(want.heldout[i]));
  // Router saturation against the final model: 100% at the last step.
  const steps = stopPoints({ recordEvery: params.record_every, sampleAt: samplePoints(params.steps) }, params.steps);
  for (const [i, step] of steps.entries()) await expect(w.locator(`[data-saturation-step="${step}"] td`).first()).toHaveText(percent(want.saturationMean[i]));
  expect(want.saturationMean.at(-1)).toBe(1);
  // The data table: the loss at the end of every chunk, to four decimals.
  await tabTo(page, w.getByRole('button', { name: 'Show as a data table' }));
  await expect(page).toHaveURL(/lt_table=1/);
  for (const step of chunkEnds(params.steps, params.chunk).slice(0, 8)) {
    await expect(w.locator(`[data-table-step="${step}"] [data-cell="loss"]`)).toHaveText(fmt(want.loss[step - 1], 4));
  }
  await tabTo(page, w.getByRole('button', { name: 'Show as a data table' }));
  expect(await w.locator('path[data-band]').count()).toBe(2 * 8);

  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'train-your-own-desktop');
  await narrowAndDarkChecks(page, 'train-your-own', w, true);

  // Every check by keyboard (focus, then Enter: tabbing through the charts' page is slow under
  // load; the Train and table buttons above were reached by Tab alone), then the lesson is complete.
  const press = async (target: ReturnType<Page['locator']>) => {
    await target.focus();
    await page.keyboard.press('Enter');
  };
  for (const s of lesson.steps) {
    const section = stepSection(page, s.id);
    await press(section.getByRole('button', { name: rightAnswer(lesson, s.id), exact: true }));
    await expect(section.locator('.check .feedback.good')).toBeVisible();
    await press(section.getByRole('button', { name: s === lesson.steps.at(-1) ? 'Finish lesson' : 'Continue' }));
  }
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
});

test('train-your-own: Cancel stops a run between chunks; a failed text load says why and retries', async ({ page, pageErrors }) => {
  test.setTimeout(180_000);
  // The corpus index fails once: the widget names the file and offers Retry.
  let fail = true;
  await page.route('**/models/corpus/index.json', (route) => (fail ? route.fulfill({ status: 503, body: 'down' }) : route.continue()));
  await page.goto(`/#/lesson/${lesson.id}`);
  const w = page.locator('[data-widget="lm-train"]').first();
  await w.locator('[data-action="train-switch"]').click();
  await expect(w.getByRole('alert')).toContainText('The training text did not load');
  await expect(w.getByRole('alert')).toContainText('index.json: HTTP 503');
  // The browser logs each deliberate 503 (both splits fetch index.json); nothing else may be logged.
  const deliberate = pageErrors.filter((e) => e.endsWith('the server responded with a status of 503 (Service Unavailable)'));
  expect(deliberate.length).toBeGreaterThan(0);
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !deliberate.includes(e)));
  fail = false;
  await w.locator('[data-action="retry"]').click();
  await expect(w.locator('[data-status]')).not.toContainText('did not load');
  await w.locator('[data-action="train-switch"]').click();
  await expect.poll(async () => Number(await w.locator('progress[data-progress]').last().getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(0);
  await w.locator('[data-action="cancel"]').click();
  await expect(w.locator('[data-cancelled]')).toContainText(new RegExp(`Cancelled at step \\d+ of ${params.steps} \\(Switch aux loss\\)\\.`));
  await expect(w.locator('[data-action="train-switch"]')).toBeEnabled();
  await shot(page, 'train-your-own-cancelled');
});

test('train-your-own: bad prompts get a clear message and break nothing', async ({ page }) => {
  await page.goto(`/#/lesson/${lesson.id}`);
  const w = page.locator('[data-widget="lm-train"]').first();
  const input = w.locator('[data-control="prompt"]');
  const note = w.locator('[data-prompt-note]');
  await input.fill('');
  await expect(note).toHaveText('The prompt is empty: type a few words for the samples to continue.');
  await expect(w.locator('[data-action="train-none"]')).toBeDisabled();
  await input.fill('x'.repeat(100_000));
  await expect(note).toContainText('The prompt is 100,000 characters long');
  await input.fill('a\u0007b');
  await expect(note).toContainText('control character (U+0007)');
  await input.fill('Ωμέγα 中文 and the');
  await expect(note).toContainText('Characters outside ASCII become byte pieces');
  await expect(w.locator('[data-action="train-none"]')).toBeEnabled();
  await shot(page, 'train-your-own-prompt');
});
