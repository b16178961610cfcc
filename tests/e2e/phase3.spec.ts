// Phase 3 end to end: the four "load balance, collapse, and the cost sheet" lessons in Chromium
// against the production build. Training is deterministic, so every number a run shows is
// recomputed here with the same wasm engine in Node (EngineCore) on the same config and steps.
import type { Page } from '@playwright/test';
import { test, expect, shot, seriousA11yViolations } from './fixtures';
import { loadLesson, loadPageEngine, narrowAndDarkChecks, ok, openLesson } from './lesson-page';
import { rightAnswer, stepSection, wrongAnswer } from './phase2';
import { TIMED_TOKENS } from '../../web/src/widgets/train-cost/spec';
import type { Lesson } from '../../web/src/lessons/types';
import type { TrainConfig } from '../../web/src/engine/types';
import { fmt } from '../../web/src/widgets/format';
import { COLLAPSE_CONFIG, SWITCH_AUX_CONFIG, BIAS_CONFIG, demoConfig } from '../../web/src/widgets/train-common/demo';
import { comparedConfigs } from '../../web/src/widgets/balance-compare/spec';
import { bytesText } from '../../web/src/widgets/train-common/comm';
import { DECODE_BATCH, ROUTE_D, ROUTE_SEED, routedBatchSpec } from '../../web/src/widgets/train-cost/spec';
import type { TrainCostParams } from '../../web/src/widgets/train-cost/params';
import { randomBatch } from '../../web/src/widgets/serving-common/serving';
import { ALPHAS } from '../../web/src/widgets/balance-compare/spec';
import type { ExpertWordsParams } from '../../web/src/widgets/expert-words/params';

const lessons = {
  collapse: loadLesson('expert-collapse'),
  aux: loadLesson('aux-loss'),
  cost: loadLesson('inference-vs-training'),
  surface: loadLesson('surface-features'),
};
const widgetParams = <T>(lesson: Lesson): T => lesson.steps[0].blocks.find((b) => b.kind === 'widget')!.params as T;
const costParams = widgetParams<TrainCostParams>(lessons.cost);
const wordsParams = widgetParams<ExpertWordsParams>(lessons.surface);
const CHUNK = 25;

const want = {
  collapse: [] as string[],
  collapseShare: '',
  auxBaseline: [] as string[],
  auxSwitch: [] as string[],
  auxAlpha003: [] as string[],
  auxBaselineP: [] as string[],
  auxBaselineTerm: [] as string[],
  auxSwitchP: [] as string[],
  auxSwitchTerm: [] as string[],
  auxSwitchContribution: [] as string[],
  auxSwitchLoss: '',
  biasLoads: [] as string[],
  biasValues: [] as string[],
  nmiSurface: '',
  nmiTopic: '',
  assigned: [] as string[],
  servingMemory8: '',
  trainingMemory8: '',
  servingMemory64: '',
  decodeOne8: '',
  decodeBatch8: '',
  touched8: '',
  commServe8: '',
  commTrain8: '',
  commShare8: '',
  commServe64: '',
};

test.beforeAll(async () => {
  const core = await loadPageEngine();
  const train = (config: TrainConfig, steps: number) => {
    const id = ok(core.trainCreate(config));
    for (let done = 0; done < steps; done += CHUNK) ok(core.trainRun(id, Math.min(CHUNK, steps - done)));
    return id;
  };
  const finalLoads = (config: TrainConfig, steps: number) => {
    const id = train(config, steps);
    const s = ok(core.trainStats(id));
    const bias = ok(core.trainRun(id, 0)).selection_bias;
    core.trainDelete(id);
    const alpha = config.balancing?.alpha ?? 0;
    return {
      loads: Array.from(s.expert_load, (v) => fmt(v, 3)),
      max: s.max_share,
      P: Array.from(s.router_prob, (v) => fmt(v, 3)),
      term: Array.from(s.switch_term, (v) => fmt(v, 3)),
      contribution: Array.from(s.switch_term, (v) => fmt(alpha * v, 5)),
      switchLoss: fmt(s.switch_loss, 3),
      bias: Array.from(bias, (v) => fmt(v, 3)),
    };
  };
  try {
    const c = finalLoads(demoConfig(COLLAPSE_CONFIG, 1), 400);
    want.collapse = c.loads;
    want.collapseShare = `${(c.max * 100).toFixed(1)}%`;
    // The demonstration must hold, or the lesson would show a failure.
    expect(c.max).toBeGreaterThan(0.8);
    const baseline = finalLoads(comparedConfigs(0, 3, 2, 1).baseline, 400);
    Object.assign(want, { auxBaseline: baseline.loads, auxBaselineP: baseline.P, auxBaselineTerm: baseline.term });
    const sw = finalLoads(demoConfig(SWITCH_AUX_CONFIG, 1), 400);
    Object.assign(want, { auxSwitch: sw.loads, auxSwitchP: sw.P, auxSwitchTerm: sw.term, auxSwitchContribution: sw.contribution, auxSwitchLoss: sw.switchLoss });
    expect(SWITCH_AUX_CONFIG.balancing?.alpha).toBe(ALPHAS[3]); // the slider's default is the demo's α
    const biasRun = finalLoads(comparedConfigs(2, 3, 1, 1).balanced, BIAS_CONFIG.steps!); // γ index 1 (0.002), as the shared link below sets
    Object.assign(want, { biasLoads: biasRun.loads, biasValues: biasRun.bias });
    want.auxAlpha003 = finalLoads(comparedConfigs(0, 4, 2, 1).balanced, 400).loads;
    const id = train(demoConfig(BIAS_CONFIG, 1), BIAS_CONFIG.steps!);
    const s = ok(core.trainStats(id));
    want.nmiSurface = fmt(s.nmi_surface ?? 0, 3);
    want.nmiTopic = fmt(s.nmi_topic ?? 0, 3);
    want.assigned = Array.from(ok(core.trainAssign(id, wordsParams.sentence)).experts, (e) => `E${e + 1}`);
    core.trainDelete(id);
    const big = (E: number) =>
      ok(core.cost({ d_model: costParams.d_model, d_ff: costParams.d_ff, num_experts: E, top_k: costParams.top_k, layers: costParams.layers, shared_params: costParams.shared_params, expert_kind: 'swiglu' }));
    const m8 = ok(core.trainingMemory(big(8).total_params, 2));
    want.servingMemory8 = bytesText(m8.serving_bytes);
    want.trainingMemory8 = bytesText(m8.training_bytes);
    want.servingMemory64 = bytesText(ok(core.trainingMemory(big(64).total_params, 2)).serving_bytes);
    // The sheet's traffic: the default 4096 tokens routed top-2 over E experts, on 8 devices, bf16.
    const comm = (E: number) => {
      const routed = ok(core.forward(routedBatchSpec(E, costParams.top_k), randomBatch(4096, ROUTE_D, ROUTE_SEED), 4096));
      return ok(
        core.commVolume({
          num_experts: E,
          devices: 8,
          d_model: costParams.d_model,
          bytes_per_value: 2,
          layers: costParams.layers,
          tokens: 4096,
          top_k: costParams.top_k,
          topk_ids: routed.topk_ids,
        }),
      );
    };
    const c8 = comm(8);
    Object.assign(want, { commServe8: bytesText(c8.cross_device_bytes), commTrain8: bytesText(c8.training_step_cross_device_bytes), commShare8: `${(c8.cross_device_fraction * 100).toFixed(1)}%` });
    want.commServe64 = bytesText(comm(64).cross_device_bytes);
    // The decode rows: batch 1 reads the active weights; a batch of DECODE_BATCH reads every expert it touched.
    const step = ok(core.forward(routedBatchSpec(8, costParams.top_k), randomBatch(DECODE_BATCH, ROUTE_D, ROUTE_SEED + 1), DECODE_BATCH));
    const touched = Array.from(step.expert_load).filter((n) => n > 0).length;
    const readBig = (k: number) => ok(core.trainingMemory(ok(core.cost({ d_model: costParams.d_model, d_ff: costParams.d_ff, num_experts: 8, top_k: k, layers: costParams.layers, shared_params: costParams.shared_params, expert_kind: 'swiglu' })).active_params, 2)).serving_bytes;
    Object.assign(want, { decodeOne8: bytesText(readBig(costParams.top_k)), decodeBatch8: bytesText(readBig(touched)), touched8: `${touched} of 8` });
  } finally {
    core.dispose();
  }
});


/** A wrong option shows its feedback, then the right one is marked right. */
async function answerCheck(page: Page, lesson: Lesson, stepId: string) {
  const section = stepSection(page, stepId);
  await section.getByRole('button', { name: wrongAnswer(lesson, stepId), exact: true }).click();
  await expect(section.locator('.check .feedback.miss')).toBeVisible();
  await section.getByRole('button', { name: rightAnswer(lesson, stepId), exact: true }).click();
  await expect(section.locator('.check .feedback.good')).toBeVisible();
}

async function finish(page: Page, lesson: Lesson, from = 0) {
  for (const s of lesson.steps.slice(from)) {
    const section = stepSection(page, s.id);
    await section.getByRole('button', { name: rightAnswer(lesson, s.id), exact: true }).click();
    await section.getByRole('button', { name: s === lesson.steps.at(-1) ? 'Finish lesson' : 'Continue' }).click();
  }
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
}

async function screenshots(page: Page, name: string, target: ReturnType<Page['locator']>) {
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, `phase3-${name}-desktop`);
  await narrowAndDarkChecks(page, `phase3-${name}`, target, true);
}

test('expert-collapse: the demo run collapses with the engine’s exact loads, and a run can be cancelled', async ({ page }) => {
  await openLesson(page, lessons.collapse);
  const w = page.locator('[data-widget="train-load"]').first();
  await w.locator('[data-action="train"]').click();
  await expect(w.locator('[data-final]')).toBeVisible({ timeout: 30_000 });
  await expect(w.locator('[data-final-load]')).toHaveText(want.collapse);
  await expect(w.locator('[data-max-share]')).toHaveText(want.collapseShare);
  await expect(w.locator('[data-step-count]')).toHaveText('step 400 of 400');
  console.log(`train-load demo config: ${await w.locator('[data-rate]').innerText()} steps/s in Chromium (page round trips included)`);
  expect(await w.locator('path[data-band]').count()).toBe(8);
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await expect(w.locator('[data-view="table"] tbody tr')).toHaveCount(400 / CHUNK);
  await expect(page).toHaveURL(/tl_table=1/);
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await answerCheck(page, lessons.collapse, 'watch');
  await screenshots(page, 'expert-collapse', w);

  // Cancel: a long run stops between chunks, the progress stays put, the button resets.
  await w.locator('[data-control="steps"]').selectOption('1600');
  await expect(page).toHaveURL(/tl_steps=1600/);
  await w.locator('[data-action="train"]').click();
  await expect(w.locator('[data-action="cancel"]')).toBeVisible();
  await expect.poll(async () => Number(await w.locator('progress').getAttribute('value')), { timeout: 10_000 }).toBeGreaterThan(0);
  await w.locator('[data-action="cancel"]').click();
  await expect(w.locator('[data-cancelled]')).toBeVisible();
  await expect(w.locator('[data-action="train"]')).toHaveText('Train again');
  const stopped = await w.locator('progress').getAttribute('value');
  expect(Number(stopped)).toBeLessThan(1600);
  await page.waitForTimeout(600);
  await expect(w.locator('progress')).toHaveAttribute('value', stopped!);
  await expect(w.locator('[data-cancelled]')).toContainText(`Cancelled at step ${stopped} of 1600`);
  await stepSection(page, 'watch').getByRole('button', { name: 'Continue' }).click();
  await finish(page, lessons.collapse, 1);
});

test('aux-loss: both runs match the engine, α changes through the slider and the URL', async ({ page }) => {
  await openLesson(page, lessons.aux);
  const w = page.locator('[data-widget="balance-compare"]').first();
  await expect(w.locator('[data-strength]')).toHaveText('α = 0.01');
  await w.locator('[data-action="train"]').click();
  await expect(w.locator('[data-pane="balanced"] [data-cv]')).toBeVisible({ timeout: 30_000 });
  await expect(w.locator('[data-pane="baseline"] [data-final-load]')).toHaveText(want.auxBaseline);
  await expect(w.locator('[data-pane="balanced"] [data-final-load]')).toHaveText(want.auxSwitch);
  await expect(w.locator('[data-pane="balanced"] [data-aux]')).toBeVisible();
  // Per expert: P_e, E·f_e·P_e and, for the Switch run, α·E·f_e·P_e, all from the engine.
  await expect(w.locator('[data-pane="baseline"] [data-router-prob]')).toHaveText(want.auxBaselineP);
  await expect(w.locator('[data-pane="baseline"] [data-switch-term]')).toHaveText(want.auxBaselineTerm);
  await expect(w.locator('[data-pane="baseline"] [data-contribution]')).toHaveCount(0);
  await expect(w.locator('[data-pane="balanced"] [data-router-prob]')).toHaveText(want.auxSwitchP);
  await expect(w.locator('[data-pane="balanced"] [data-switch-term]')).toHaveText(want.auxSwitchTerm);
  await expect(w.locator('[data-pane="balanced"] [data-contribution]')).toHaveText(want.auxSwitchContribution);
  await expect(w.locator('[data-pane="balanced"] [data-switch-loss]')).toHaveText(want.auxSwitchLoss);
  await expect(w.locator('[data-pane="balanced"] [data-bias]')).toHaveCount(0);
  await answerCheck(page, lessons.aux, 'switch');
  await screenshots(page, 'aux-loss', w);

  // Keyboard: one step right on the slider is the next α; the URL keeps it.
  await w.locator('[data-control="alpha"]').focus();
  await page.keyboard.press('ArrowRight');
  await expect(w.locator('[data-strength]')).toHaveText('α = 0.03');
  await expect(page).toHaveURL(/bc_alpha=4/);
  await w.locator('[data-action="train"]').click();
  await expect(w.locator('[data-pane="balanced"] [data-final-load]')).toHaveText(want.auxAlpha003, { timeout: 30_000 });

  // A shared link restores the method and γ; bias balancing shows no aux-loss curve.
  await openLesson(page, lessons.aux, '/switch?bc_method=2&bc_gamma=1');
  const w2 = page.locator('[data-widget="balance-compare"]').first();
  await expect(w2.locator('[data-control="method"]')).toHaveValue('2');
  await expect(w2.locator('[data-strength]')).toHaveText('γ = 0.002');
  await w2.locator('[data-action="train"]').click();
  await expect(w2.locator('[data-pane="balanced"] [data-final-load]')).toHaveText(want.biasLoads, { timeout: 30_000 });
  await expect(w2.locator('[data-pane="balanced"] [data-bias]')).toHaveText(want.biasValues);
  await expect(w2.locator('[data-pane="balanced"] [data-contribution]')).toHaveCount(0);
  await expect(w2.locator('[data-pane="baseline"] [data-bias]')).toHaveCount(0);
  await shot(page, 'phase3-aux-loss-bias-desktop');

  // Cancel stops both runs between chunks: no final statistics, and Train both comes back.
  await w2.locator('[data-action="train"]').click();
  await w2.locator('[data-action="cancel"]').click();
  await expect(w2.locator('[data-cancelled]')).toContainText(new RegExp(`Cancelled at step \\d+ of ${BIAS_CONFIG.steps}\\.`));
  await expect(w2).toHaveAttribute('data-phase', 'cancelled');
  await expect(w2.locator('[data-pane] [data-cv]')).toHaveCount(0);
  await expect(w2.locator('[data-action="train"]')).toHaveText('Train both');
  await finish(page, lessons.aux);
});

test('inference-vs-training: timing from the worker, memory from the engine’s counts', async ({ page }) => {
  await openLesson(page, lessons.cost);
  const w = page.locator('[data-widget="train-cost"]').first();
  const sheet = w.locator('[data-part="sheet"]');
  await expect(sheet.locator('[data-row="memory"] [data-serve]')).toHaveText(want.servingMemory8);
  await expect(sheet.locator('[data-row="memory"] [data-train]')).toHaveText(want.trainingMemory8);
  await expect(sheet.locator('[data-row="comm"] [data-serve]')).toHaveText(want.commServe8);
  await expect(sheet.locator('[data-row="comm"] [data-train]')).toHaveText(want.commTrain8);
  await expect(sheet.locator('[data-row="comm"] [data-cross-share]')).toHaveText(want.commShare8);
  await expect(sheet.locator('[data-row="decode-one"] [data-serve]')).toHaveText(want.decodeOne8);
  await expect(sheet.locator('[data-row="decode-batch"] [data-serve]')).toHaveText(want.decodeBatch8);
  await expect(sheet.locator('[data-row="decode-batch"] [data-touched]')).toHaveText(want.touched8);
  await w.getByRole('button', { name: 'Measure on this device' }).click();
  await expect(w.locator('[data-ratio]')).toBeVisible({ timeout: 60_000 });
  // Both layers are timed: the MoE and the dense baseline of the same active size. Timings are shown, never asserted.
  const ratio = Number((await w.locator('[data-ratio]').innerText()).replace('×', ''));
  const denseRatio = Number((await w.locator('[data-dense-ratio]').innerText()).replace('×', ''));
  const serveMs = await w.locator('[data-row="serve"] [data-ms]').innerText();
  const trainMs = await w.locator('[data-row="train"] [data-ms]').innerText();
  const denseMs = await w.locator('[data-dense-ms]').allInnerTexts();
  expect(denseMs).toHaveLength(2);
  for (const ms of [serveMs, trainMs, ...denseMs]) expect(ms).toMatch(/^\d+\.\d{3}$/);
  console.log(`inference-vs-training: MoE forward ${serveMs} ms, step ${trainMs} ms (${ratio}×); dense forward ${denseMs[0]} ms, step ${denseMs[1]} ms (${denseRatio}×) per ${TIMED_TOKENS} tokens`);
  expect(ratio).toBeGreaterThan(0);
  expect(denseRatio).toBeGreaterThan(0);
  await expect(w.locator('[data-dense-params]')).toHaveText(/^\d[\d\u2009]*$/);
  await expect(sheet.locator('[data-row="flops"] [data-train]')).toContainText('× forward');
  await answerCheck(page, lessons.cost, 'measure');
  await screenshots(page, 'inference-vs-training', w);
  await sheet.locator('[data-control="experts"]').selectOption('64');
  await expect(page).toHaveURL(/tc_e=64/);
  await expect(sheet.locator('[data-row="memory"] [data-serve]')).toHaveText(want.servingMemory64);
  await expect(sheet.locator('[data-row="comm"] [data-serve]')).toHaveText(want.commServe64);
  await finish(page, lessons.cost);
});

test('surface-features: NMI and the coloured sentence come from the trained engine', async ({ page }) => {
  await openLesson(page, lessons.surface);
  const w = page.locator('[data-widget="expert-words"]').first();
  await w.locator('[data-action="train"]').click();
  await expect(w.locator('[data-nmi-surface]')).toHaveText(want.nmiSurface, { timeout: 30_000 });
  await expect(w.locator('[data-nmi-topic]')).toHaveText(want.nmiTopic);
  await expect(w.locator('[data-view="tokens"] [data-expert]')).toHaveText(want.assigned);
  await w.getByLabel('Your sentence').fill('The striker scored 2 goals, and the bank lost money!');
  await w.getByRole('button', { name: 'Colour it' }).click();
  await expect(page).toHaveURL(/ew_text=/);
  await expect(w.locator('[data-view="tokens"] li').first()).toContainText('The');
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await expect(w.locator('[data-view="table"]')).toBeVisible();
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await answerCheck(page, lessons.surface, 'colour');
  await screenshots(page, 'surface-features', w);
  await finish(page, lessons.surface);
});

test('aux-loss: the DeepSeek-V3 comparison table and the fine-tuning step read well on desktop and at 375 px', async ({ page }) => {
  await openLesson(page, lessons.aux, '/fine-tune');
  const table = stepSection(page, 'others').locator('.prose table');
  await expect(table.locator('thead th')).toHaveText(['Setting', 'DeepSeek-V3', 'This demonstration']);
  await expect(table.locator('tbody tr')).toHaveCount(7);
  await expect(table.locator('tbody tr').nth(1)).toContainText('top-8 of the routed experts');
  await expect(stepSection(page, 'fine-tune')).toBeVisible();
  await table.scrollIntoViewIfNeeded();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'phase3-aux-loss-v3-table-desktop');
  await page.setViewportSize({ width: 375, height: 800 });
  await table.scrollIntoViewIfNeeded();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no sideways page scroll at 375 px').toBeLessThanOrEqual(0);
  const tableOverflow = await table.evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(tableOverflow, 'the table fits its column at 375 px').toBeLessThanOrEqual(0);
  await shot(page, 'phase3-aux-loss-v3-table-375');
  await page.setViewportSize({ width: 1280, height: 860 });
});
