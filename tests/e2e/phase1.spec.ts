// Phase 1 end to end: the four "why sparse" lessons in Chromium against the production build.
// Every number checked on the page is recomputed here with the same wasm engine in Node
// (EngineCore) on the same state, then formatted with the widgets' own formatters.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { test, expect, shot, seriousA11yViolations } from './fixtures';
import { parseLesson } from '../../web/src/lessons/parse';
import type { Lesson } from '../../web/src/lessons/types';
import type { LayerSpec } from '../../web/src/engine/types';
import { fmt, percent } from '../../web/src/widgets/format';
import { compact } from '../../web/src/widgets/common/numbers';
import type { RouterMatrixParams } from '../../web/src/widgets/router-matrix/params';
import type { IdleHeatmapParams } from '../../web/src/widgets/idle-heatmap/params';
import type { ExpertFfnParams } from '../../web/src/widgets/expert-ffn/params';
import { narrowAndDarkChecks } from './lesson-page';
import { decode, loadEngine } from './phase2';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const load = (id: string): Lesson => parseLesson(`lessons/${id}.md`, fs.readFileSync(root(`lessons/${id}.md`), 'utf8'));
const lessons = {
  dense: load('dense-cost'),
  expert: load('expert-is-ffn'),
  router: load('router-is-linear'),
  idle: load('idle-experts'),
};
const widgetParams = <T>(lesson: Lesson): T => lesson.steps[0].blocks.find((b) => b.kind === 'widget')!.params as T;
const ffnParams = widgetParams<ExpertFfnParams>(lessons.expert);
const routerParams = widgetParams<RouterMatrixParams>(lessons.router);
const heatParams = widgetParams<IdleHeatmapParams>(lessons.idle);

// Expected values, computed in Node by the same engine.
const want = {
  mixtral: { total: '', active: '', fraction: '' },
  e64: { total: '', active: '' },
  solve400: '',
  reluHidden: [] as string[],
  reluZeros: 0,
  geluHidden: [] as string[],
  output: [] as string[],
  routerLogits: [] as string[],
  editedLogits: [] as string[],
  editedWinner: -1,
  heatLoad8: [] as string[],
  heatLoad16k1: [] as string[],
  sharedLogits: [] as string[],
};
const EDIT = { cell: 2 * 8 + 2, value: -3 }; // Names' weight on "capital", pushed down for "Paris"
const SHARED_WEIGHTS = routerParams.router.flat().map((w, i) => (i === 3 * 8 + 3 ? 500 : Math.round(w * 100)));

const ffnSpec = (activation: 'relu' | 'gelu'): LayerSpec => ({
  config: { d_model: 8, d_ff: ffnParams.d_ff, num_experts: ffnParams.num_experts, top_k: 1, router_kind: 'softmax_topk_renorm', activation, expert_kind: 'mlp' },
  seed: ffnParams.seed,
});
const routerSpec = (router: number[][]): LayerSpec => ({
  config: { d_model: 8, d_ff: 4, num_experts: router.length, top_k: routerParams.top_k, router_kind: 'softmax_topk_renorm', activation: 'silu', expert_kind: 'mlp' },
  weights: { router },
  seed: routerParams.seed,
});
const heatSpec = (E: number, k: number): LayerSpec => ({
  config: { d_model: 8, d_ff: heatParams.d_ff, num_experts: E, top_k: k, router_kind: 'softmax_topk_renorm', activation: 'silu', expert_kind: 'mlp' },
  seed: heatParams.seed,
});

test.beforeAll(async () => {
  const core = await loadEngine(root('build/wasm'));
  const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  try {
    const mix = ok(core.cost({ d_model: 4096, d_ff: 14336, num_experts: 8, top_k: 2, layers: 32, shared_params: 1605e6, expert_kind: 'swiglu' }));
    want.mixtral = { total: compact(mix.total_params), active: compact(mix.active_params), fraction: percent(mix.active_fraction) };
    const e64 = ok(core.cost({ d_model: 4096, d_ff: 14336, num_experts: 64, top_k: 2, layers: 32, shared_params: 1605e6, expert_kind: 'swiglu' }));
    want.e64 = { total: compact(e64.total_params), active: compact(e64.active_params) };
    want.solve400 = compact(ok(core.solveActive(400e9, 0, 8, 2)).active_params);

    const paris = ok(core.embed(ffnParams.words[0])).features;
    const relu = ok(core.probeExpert(ffnSpec('relu'), ffnParams.expert, paris));
    want.reluHidden = Array.from(relu.hidden, (h) => fmt(h));
    want.reluZeros = relu.hidden.filter((h) => h === 0).length;
    want.output = Array.from(relu.output, (y) => fmt(y, 3));
    want.geluHidden = Array.from(ok(core.probeExpert(ffnSpec('gelu'), ffnParams.expert, paris)).hidden, (h) => fmt(h));

    const rx = ok(core.embed(routerParams.words[0])).features;
    want.routerLogits = Array.from(ok(core.forward(routerSpec(routerParams.router), rx, 1)).router_logits, (l) => fmt(l));
    const edited = routerParams.router.map((r) => [...r]);
    edited[Math.floor(EDIT.cell / 8)][EDIT.cell % 8] = EDIT.value;
    const editedRun = ok(core.forward(routerSpec(edited), rx, 1));
    want.editedLogits = Array.from(editedRun.router_logits, (l) => fmt(l));
    want.editedWinner = editedRun.topk_ids[0];
    const sharedRouter = routerParams.router.map((r, e) => r.map((_, f) => SHARED_WEIGHTS[e * 8 + f] / 100));
    const x1969 = ok(core.embed('1969')).features;
    want.sharedLogits = Array.from(ok(core.forward(routerSpec(sharedRouter), x1969, 1)).router_logits, (l) => fmt(l));

    const sentence = ok(core.embed(heatParams.sentence));
    const T = sentence.tokens.length;
    want.heatLoad8 = Array.from(ok(core.forward(heatSpec(8, 2), sentence.features, T)).expert_load, String);
    want.heatLoad16k1 = Array.from(ok(core.forward(heatSpec(16, 1), sentence.features, T)).expert_load, String);
  } finally {
    core.dispose();
  }
  // The lesson design the router test relies on: pushing Names down changes who leads for Paris.
  expect(want.editedLogits).not.toEqual(want.routerLogits);
});

function rightAnswer(lesson: Lesson, stepId: string): string {
  const check = lesson.steps.find((s) => s.id === stepId)!.blocks.find((b) => b.kind === 'check');
  if (check?.kind !== 'check') throw new Error(`step ${stepId} has no check`);
  return decode(check.options.find((o) => o.correct)!.html);
}
function wrongAnswer(lesson: Lesson, stepId: string): string {
  const check = lesson.steps.find((s) => s.id === stepId)!.blocks.find((b) => b.kind === 'check');
  if (check?.kind !== 'check') throw new Error(`step ${stepId} has no check`);
  return decode(check.options.find((o) => !o.correct)!.html);
}

const step = (page: Page, id: string) => page.locator(`section[data-step="${id}"]`);

async function open(page: Page, lesson: Lesson) {
  await page.goto(`/#/lesson/${lesson.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
  await expect(page.locator('.engine-status')).toHaveText('Engine ready');
}

/** A wrong option shows its own feedback, then the right one is marked right. */
async function answerCheck(page: Page, lesson: Lesson, stepId: string) {
  const section = step(page, stepId);
  await section.getByRole('button', { name: wrongAnswer(lesson, stepId), exact: true }).click();
  await expect(section.locator('.check .feedback.miss')).toBeVisible();
  await section.getByRole('button', { name: rightAnswer(lesson, stepId), exact: true }).click();
  await expect(section.locator('.check .feedback.good')).toBeVisible();
}

async function finishByMouse(page: Page, lesson: Lesson) {
  for (const s of lesson.steps) {
    const section = step(page, s.id);
    await expect(section).toBeVisible();
    await section.getByRole('button', { name: rightAnswer(lesson, s.id), exact: true }).click();
    await section.getByRole('button', { name: s === lesson.steps.at(-1) ? 'Finish lesson' : 'Continue' }).click();
  }
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
}

/** The 375 px and dark checks of lesson-page.ts, with full-page screenshots phase1-<name>-375(-dark). */
const at375 = (page: Page, name: string, target: Locator) => narrowAndDarkChecks(page, `phase1-${name}`, target, true);

test('dense-cost: totals from the engine, the 400B question, a timing on this device', async ({ page }) => {
  await open(page, lessons.dense);
  const budget = page.locator('[data-widget="param-budget"][data-part="budget"]');
  await expect(budget.locator('[data-total]')).toHaveText(want.mixtral.total);
  await expect(budget.locator('[data-active]')).toHaveText(want.mixtral.active);
  await expect(budget.locator('[data-fraction]')).toHaveText(want.mixtral.fraction);
  await budget.locator('[data-field="pb_e"]').fill('64');
  await expect(budget.locator('[data-total]')).toHaveText(want.e64.total);
  await expect(budget.locator('[data-active]')).toHaveText(want.e64.active);
  await expect(page).toHaveURL(/pb_e=64/);
  // An impossible k is the engine's error, shown as a value, and the next input still works.
  await budget.locator('[data-field="pb_k"]').fill('65');
  await expect(budget.locator('[data-error]')).toHaveText('cost.top_k: must be between 1 and num_experts (64), got 65');
  await budget.locator('[data-field="pb_k"]').fill('2');
  await budget.locator('[data-field="pb_e"]').fill('8');
  await expect(budget.locator('[data-total]')).toHaveText(want.mixtral.total);
  await answerCheck(page, lessons.dense, 'budget');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'phase1-dense-cost-desktop');

  await step(page, 'budget').getByRole('button', { name: 'Continue' }).click();
  const solve = page.locator('[data-widget="param-budget"][data-part="solve"]');
  await expect(solve.locator('[data-active]')).toHaveText(want.solve400);
  await step(page, 'solve').getByRole('button', { name: rightAnswer(lessons.dense, 'solve'), exact: true }).click();
  await step(page, 'solve').getByRole('button', { name: 'Continue' }).click();

  const timing = page.locator('[data-widget="param-budget"][data-part="timing"]');
  await timing.getByRole('button', { name: 'Measure on this device' }).click();
  await expect(timing.locator('caption')).toContainText('Measured on this device', { timeout: 30_000 });
  for (const row of ['dense', 'moe']) {
    const tps = await timing.locator(`[data-row="${row}"] [data-tps]`).innerText();
    expect(Number(tps.replace(/\s/g, ''))).toBeGreaterThan(0);
  }
  await timing.scrollIntoViewIfNeeded();
  await shot(page, 'phase1-dense-cost-timing-desktop');
  await at375(page, 'dense-cost', page.locator('[data-widget="param-budget"][data-part="budget"]'));
});

test('expert-is-ffn: the probe matches the engine, and switching activation changes the hidden units', async ({ page }) => {
  await open(page, lessons.expert);
  const w = page.locator('[data-widget="expert-ffn"]').first();
  await w.getByRole('button', { name: 'ReLU' }).click();
  for (let i = 0; i < want.reluHidden.length; i++) await expect(w.locator(`[data-hidden="${i}"]`)).toContainText(want.reluHidden[i]);
  await expect(w.locator('[data-mark="zero"]')).toHaveCount(want.reluZeros);
  await expect(w.locator('[data-zeros]')).toHaveText(`${want.reluZeros} of ${ffnParams.d_ff}`);
  await expect(w.locator('[data-out]')).toHaveText(want.output);
  await w.getByRole('button', { name: 'GELU' }).click();
  await expect(page).toHaveURL(/ef_act=gelu/);
  for (let i = 0; i < want.geluHidden.length; i++) await expect(w.locator(`[data-hidden="${i}"]`)).toContainText(want.geluHidden[i]);
  await expect(w.locator('[data-mark="zero"]')).toHaveCount(0);
  await w.getByRole('button', { name: 'SwiGLU' }).click();
  await expect(w.locator('[data-up="0"]')).toBeVisible();
  await answerCheck(page, lessons.expert, 'shape');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'phase1-expert-is-ffn-desktop');
  // A typed word that splits into several tokens is explained, not crashed on.
  await w.getByLabel('…or type a word').fill('New York');
  await w.getByRole('button', { name: 'Use this word' }).click();
  await expect(w.locator('.engine-error')).toContainText('splits into 2 tokens');
  await w.getByRole('button', { name: ffnParams.words[0], exact: true }).click();
  await expect(w.locator('[data-summary]')).toContainText(ffnParams.words[0]);
  await at375(page, 'expert-is-ffn', w);
});

test('router-is-linear: editing a weight re-routes the token through the engine', async ({ page }) => {
  await open(page, lessons.router);
  const w = page.locator('[data-widget="router-matrix"]').first();
  for (let e = 0; e < want.routerLogits.length; e++) await expect(w.locator(`[data-logit="${e}"]`)).toHaveText(want.routerLogits[e]);
  await w.locator(`[data-cell="${EDIT.cell}"]`).click();
  await w.locator('[data-number]').fill(String(EDIT.value));
  await w.locator('[data-number]').press('Enter');
  for (let e = 0; e < want.editedLogits.length; e++) await expect(w.locator(`[data-logit="${e}"]`)).toHaveText(want.editedLogits[e]);
  await expect(w.locator('[data-winners]')).toContainText(`Top-2: ${routerParams.experts[want.editedWinner]}`);
  // The slider moves by keyboard too: one step right is +0.1 on the selected weight.
  await w.locator('[data-slider]').focus();
  await page.keyboard.press('ArrowRight');
  await expect(w.locator(`[data-cell="${EDIT.cell}"]`)).toHaveText(fmt(EDIT.value + 0.1));
  await answerCheck(page, lessons.router, 'matvec');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'phase1-router-is-linear-desktop');
  await at375(page, 'router-is-linear', w);
});

test('idle-experts: heatmap, load from the engine, E and k, data table', async ({ page }) => {
  await open(page, lessons.idle);
  const w = page.locator('[data-widget="idle-heatmap"]').first();
  await expect(w.locator('tfoot [data-load]')).toHaveText(want.heatLoad8);
  await expect(w.locator('[data-fraction]')).toHaveText(percent(2 / 8));
  await w.locator('[data-control="experts"]').selectOption('16');
  await w.locator('[data-control="top-k"]').selectOption('1');
  await expect(w.locator('tfoot [data-load]')).toHaveText(want.heatLoad16k1);
  await expect(w.locator('[data-fraction]')).toHaveText(percent(1 / 16));
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await expect(w.locator('[data-view="table"]')).toBeVisible();
  await expect(w.locator('[data-view="table"] tfoot')).toContainText(want.heatLoad16k1.map((n, e) => `E${e + 1}: ${n}`).join(', '));
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await w.locator('[data-control="experts"]').selectOption('8');
  await w.locator('[data-control="top-k"]').selectOption('2');
  await answerCheck(page, lessons.idle, 'grid');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'phase1-idle-experts-desktop');
  await at375(page, 'idle-experts', w);
});

/** Keyboard only: Tab until `target` has focus, then press `key`. */
async function tabTo(page: Page, target: Locator, key: 'Enter' | 'Space' = 'Enter') {
  for (let i = 0; i < 200; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      await page.keyboard.press(key);
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`could not reach ${target} with the Tab key`);
}

test('idle-experts can be completed by keyboard alone, and progress survives a reload', async ({ page }) => {
  await open(page, lessons.idle);
  const w = page.locator('[data-widget="idle-heatmap"]').first();
  await expect(w.locator('tfoot [data-load]')).toHaveText(want.heatLoad8);
  await tabTo(page, w.getByRole('button', { name: 'Show as a data table' }));
  await expect(w.locator('[data-view="table"]')).toBeVisible();
  for (const s of lessons.idle.steps) {
    const section = step(page, s.id);
    await tabTo(page, section.getByRole('button', { name: rightAnswer(lessons.idle, s.id), exact: true }));
    await expect(section.locator('.check .feedback.good')).toBeVisible();
    const last = s === lessons.idle.steps.at(-1);
    await tabTo(page, section.getByRole('button', { name: last ? 'Finish lesson' : 'Continue' }));
  }
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
  await page.goto('/#/');
  await expect(page.locator('a[data-lesson="idle-experts"]')).toContainText('Completed');
});

test('a shared URL restores each widget state, and the other lessons can be finished', async ({ page }) => {
  await page.goto(`/#/lesson/router-is-linear/matvec?rm_word=1969&rm_w=${SHARED_WEIGHTS.join(',')}&rm_cell=${3 * 8 + 3}`);
  const rm = page.locator('[data-widget="router-matrix"]').first();
  await expect(rm.getByRole('button', { name: '1969', exact: true })).toHaveAttribute('aria-pressed', 'true');
  for (let e = 0; e < want.sharedLogits.length; e++) await expect(rm.locator(`[data-logit="${e}"]`)).toHaveText(want.sharedLogits[e]);
  await expect(rm.locator('[data-slider]')).toHaveValue('5');

  await page.goto('/#/lesson/idle-experts/grid?ih_e=16&ih_k=1&ih_table=1');
  const heat = page.locator('[data-widget="idle-heatmap"]').first();
  await expect(heat.locator('[data-view="table"] tfoot')).toContainText(want.heatLoad16k1.map((n, e) => `E${e + 1}: ${n}`).join(', '));

  await page.goto('/#/lesson/expert-is-ffn/shape?ef_act=gelu');
  const ffn = page.locator('[data-widget="expert-ffn"]').first();
  await expect(ffn.getByRole('button', { name: 'GELU' })).toHaveAttribute('aria-pressed', 'true');
  for (let i = 0; i < want.geluHidden.length; i++) await expect(ffn.locator(`[data-hidden="${i}"]`)).toContainText(want.geluHidden[i]);

  await page.goto('/#/lesson/dense-cost/budget?pb_e=64');
  await expect(page.locator('[data-widget="param-budget"][data-part="budget"] [data-total]')).toHaveText(want.e64.total);

  for (const lesson of [lessons.dense, lessons.expert, lessons.router]) {
    await page.goto(`/#/lesson/${lesson.id}`);
    await finishByMouse(page, lesson);
  }
  await page.reload();
  await page.goto('/#/');
  for (const id of ['dense-cost', 'expert-is-ffn', 'router-is-linear']) {
    await expect(page.locator(`a[data-lesson="${id}"]`)).toContainText('Completed');
  }
});
