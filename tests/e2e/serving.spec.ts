// Eval and serving, and Mixture-of-Depths, end to end: the lessons eval-and-serving and
// mixture-of-depths in Chromium against the production build. Every engine number a widget shows
// is recomputed here with the same wasm engine in Node (EngineCore) for the same state.
import type { Page } from '@playwright/test';
import { course, decode, rightAnswer, root, stepSection, wrongAnswer } from './phase2';
import { loadQuizzesFrom } from '../../web/lesson-plugin';
import { test, expect, seriousA11yViolations } from './fixtures';
import { loadLesson, loadPageEngine, ok, paramsOf, openLesson, widgetScreenshots } from './lesson-page';
import type { Lesson } from '../../web/src/lessons/types';
import { fmt, percent } from '../../web/src/widgets/format';
import { compact } from '../../web/src/widgets/common/numbers';
import {
  batchOrder,
  busiestOverMean,
  capacityFactor,
  capacitySpec,
  deviceLoads,
  gatherRows,
  modCapacity,
  quantile,
  randomBatch,
  shardingSpec,
  skewAt,
} from '../../web/src/widgets/serving-common/serving';
import { runSeed } from '../../web/src/widgets/rebatch-flakiness/spec';
import type { RebatchParams } from '../../web/src/widgets/rebatch-flakiness/params';
import { NEAR_TIE_D, droplessSpec, expertSetKey, jitterRows, marginText } from '../../web/src/widgets/near-tie-flips/spec';
import type { NearTieParams } from '../../web/src/widgets/near-tie-flips/params';
import { SERVED, TRAFFIC_D, trafficSeed, trafficSpec } from '../../web/src/widgets/ep-sharding/spec';
import type { EpShardingParams } from '../../web/src/widgets/ep-sharding/params';
import { SERVED_MODEL } from '../../web/src/widgets/own-data-bench/spec';
import type { OwnDataParams } from '../../web/src/widgets/own-data-bench/params';
import type { ModCapacityParams } from '../../web/src/widgets/mod-capacity/params';
import { bytesText } from '../../web/src/widgets/train-common/comm';

const serving = loadLesson('eval-and-serving');
const mod = loadLesson('mixture-of-depths');
const rb = paramsOf<RebatchParams>(serving, 'rebatch-flakiness');
const nt = paramsOf<NearTieParams>(serving, 'near-tie-flips');
const ep = paramsOf<EpShardingParams>(serving, 'ep-sharding');
const ob = paramsOf<OwnDataParams>(serving, 'own-data-bench');
const mc = paramsOf<ModCapacityParams>(mod, 'mod-capacity');
const OWN_TEXT = 'Invoice 5521 failed twice. Invoice 5522 failed too! Please refund invoice 5523, 5524 and 5525 today.';
const MOD_TEXT = 'Tiny words go by, but Jupiter, 2024 and Copenhagen should stay.';

type Bench = { tokens: string; cv: string; maxMean: string; dropped: string; before: string[]; after: string[]; flops: string };
const want = {
  flaky1: '',
  dropped1: [] as string[],
  scores1: [] as string[],
  flaky4: '',
  /** near-tie-flips at ε = 1e−3 (the default) and 1e−2: tokens changed, median and largest changed margin. */
  near3: { flipped: '', largest: '' },
  near2: { flipped: '', largest: '', count: 0 },
  nearMedian: '',
  ep4: { median: '', p95: '', worst: '' },
  ep8: { median: '', p95: '', worst: '' },
  traffic4: { bytes: '', cross: '', share: '', train: '', received: [] as string[] },
  traffic16k: { bytes: '', cross: '', share: '', train: '', received: [] as string[] },
  benchSample: {} as Bench,
  benchOwn: {} as Bench,
  mod50: { ran: '', saved: '', flags: [] as string[] },
  mod20: { ran: '', saved: '', flags: [] as string[] },
  modOwn: { ran: '', flags: [] as string[] },
};

test.beforeAll(async () => {
  const core = await loadPageEngine();
  try {
    // rebatch-flakiness, default state (capacity factor index 2, 8 tokens per batch, seed 0) and index 6.
    const rebatch = (cfIndex: number) => {
      const emb = ok(core.embed(rb.text));
      const T = Math.floor(emb.tokens.length / 8) * 8;
      const spec = capacitySpec({ experts: rb.experts, capacityFactor: capacityFactor(cfIndex), groups: T / 8, groupSize: 8, seed: rb.seed });
      const byToken: number[][] = Array.from({ length: T }, () => []);
      const dropped: string[] = [];
      const scores: string[] = [];
      for (let r = 0; r < rb.runs; r++) {
        const order = batchOrder(T, runSeed(0, r, false));
        const tr = ok(core.forward(spec, gatherRows(emb.features, 8, order), T));
        let sum = 0;
        order.forEach((tok, i) => {
          byToken[tok].push(tr.dropped[i]);
          let s = 0;
          for (let j = 0; j < 8; j++) s += tr.output[i * 8 + j] ** 2;
          sum += Math.sqrt(s);
        });
        dropped.push(String(tr.stats.dropped_count));
        scores.push(fmt(sum / T, 3));
      }
      const flaky = byToken.filter((row) => row.includes(0) && row.includes(1)).length;
      return { flaky: `${flaky} of ${T}`, dropped, scores, n: flaky };
    };
    const r1 = rebatch(2);
    expect(r1.n, 'the lesson needs flaky tokens at capacity factor 1').toBeGreaterThan(0);
    Object.assign(want, { flaky1: r1.flaky, dropped1: r1.dropped, scores1: r1.scores, flaky4: rebatch(6).flaky });

    // near-tie-flips: the margins from a top-(k+1) probe, and the tokens whose expert set changes in
    // any of the draws at ε (noise seeds 1 … draws, the widget's default state).
    {
      const T = nt.tokens;
      const x = randomBatch(T, NEAR_TIE_D, nt.data_seed);
      const layer = droplessSpec({ experts: nt.experts, topK: nt.top_k, seed: nt.seed });
      const probe = ok(core.forward(droplessSpec({ experts: nt.experts, topK: nt.top_k, seed: nt.seed, probe: true }), x, T));
      const base = ok(core.forward(layer, x, T));
      const s = nt.top_k + 1;
      const margins = Array.from({ length: T }, (_, t) => probe.topk_weights[t * s + nt.top_k - 1] - probe.topk_weights[t * s + nt.top_k]);
      const near = (eps: number) => {
        const changed = new Set<number>();
        for (let r = 0; r < nt.draws; r++) {
          const run = ok(core.forward(layer, jitterRows(x, eps, 1 + r), T));
          for (let t = 0; t < T; t++) if (expertSetKey(run.topk_ids, nt.top_k, t) !== expertSetKey(base.topk_ids, nt.top_k, t)) changed.add(t);
        }
        const largest = Math.max(...[...changed].map((t) => margins[t]));
        return { flipped: `${changed.size} of ${T}`, largest: changed.size ? marginText(largest) : '', count: changed.size, value: largest };
      };
      const median = quantile(margins, 0.5);
      const big = near(1e-2);
      expect(big.count, 'the lesson needs near-tie tokens that change at ε = 1e−2').toBeGreaterThan(0);
      expect(big.value, 'only near-tie tokens change').toBeLessThan(median / 10);
      Object.assign(want, { near3: near(1e-3), near2: big, nearMedian: marginText(median) });
    }

    // ep-sharding, skew index 2, data seed 1, on 4 and on 8 devices.
    const ratios = (devices: number) => {
      const spec = shardingSpec({ experts: ep.experts, tokens: ep.tokens, skew: skewAt(2), seed: ep.seed });
      const out: number[] = [];
      for (let b = 0; b < ep.batches; b++) {
        const tr = ok(core.forward(spec, randomBatch(ep.tokens, 8, 1 * 100_003 + b + 1), ep.tokens));
        out.push(busiestOverMean(deviceLoads(Array.from(tr.expert_load), devices)));
      }
      return { median: `${fmt(quantile(out, 0.5))}×`, p95: `${fmt(quantile(out, 0.95))}×`, worst: `${fmt(Math.max(...out))}×` };
    };
    want.ep4 = ratios(4);
    want.ep8 = ratios(8);
    // ep-sharding traffic: one step of T tokens routed top-2 with the same skew, counted by the engine.
    const traffic = (tokens: number, devices: number) => {
      const routed = ok(core.forward(trafficSpec({ experts: ep.experts, skew: skewAt(2), seed: ep.seed }), randomBatch(tokens, TRAFFIC_D, trafficSeed(1)), tokens));
      const v = ok(
        core.commVolume({
          num_experts: ep.experts,
          devices,
          d_model: SERVED.dModel,
          bytes_per_value: SERVED.bytesPerValue,
          layers: SERVED.layers,
          tokens,
          top_k: SERVED.topK,
          topk_ids: routed.topk_ids,
        }),
      );
      // Routing decides the share: not the (D-1)/D of a uniform guess, but near it for a mild skew.
      expect(v.cross_device_fraction).toBeGreaterThan(0.5);
      return {
        bytes: bytesText(v.forward_bytes),
        cross: bytesText(v.cross_device_bytes),
        share: percent(v.cross_device_fraction),
        train: bytesText(v.training_step_cross_device_bytes),
        received: Array.from(v.received_bytes, bytesText),
      };
    };
    want.traffic4 = traffic(4096, 4);
    want.traffic16k = traffic(16384, 8);

    // own-data-bench, capacity factor index 3 (1.25).
    const cost = ok(core.cost({ ...SERVED_MODEL }));
    const bench = (text: string): Bench => {
      const emb = ok(core.embed(text));
      const T = emb.tokens.length;
      const tr = ok(core.forward(capacitySpec({ experts: ob.experts, capacityFactor: capacityFactor(3), groups: 1, groupSize: T, seed: ob.seed }), emb.features, T));
      return {
        tokens: String(T),
        cv: fmt(tr.stats.load_cv, 3),
        maxMean: fmt(tr.stats.max_over_mean, 3),
        dropped: `${tr.stats.dropped_count} (${percent(tr.stats.dropped_count / T)})`,
        before: Array.from(tr.counts_before_capacity, String),
        after: Array.from(tr.counts_after_capacity, String),
        flops: compact(cost.flops_per_token_active * T),
      };
    };
    want.benchSample = bench(ob.sample);
    want.benchOwn = bench(OWN_TEXT);

    // mod-capacity at 50% and 20% of the lesson's sentence, and 50% of another sentence.
    const route = (text: string, pct: number) => {
      const emb = ok(core.embed(text));
      const T = emb.tokens.length;
      const r = ok(core.modRoute(emb.features, 1, T, 8, new Float32Array(mc.router), modCapacity(pct, T)));
      return { ran: `${r.capacity} of ${T}`, saved: percent(r.saved_fraction), flags: Array.from(r.ran, String) };
    };
    want.mod50 = route(mc.sentence, 50);
    want.mod20 = route(mc.sentence, 20);
    want.modOwn = route(MOD_TEXT, 50);
  } finally {
    core.dispose();
  }
});


/** A wrong option shows its feedback, the right one is marked right, then Continue. */
async function answerCheck(page: Page, lesson: Lesson, stepId: string, thenContinue = true) {
  const section = stepSection(page, stepId);
  await section.getByRole('button', { name: wrongAnswer(lesson, stepId), exact: true }).click();
  await expect(section.locator('.check .feedback.miss')).toBeVisible();
  await section.getByRole('button', { name: rightAnswer(lesson, stepId), exact: true }).click();
  await expect(section.locator('.check .feedback.good')).toBeVisible();
  if (thenContinue) await section.getByRole('button', { name: /^(Continue|Finish lesson)$/ }).click();
}

test('eval-and-serving: rebatching, sharding and own-data numbers match the engine; the check quiz closes the lesson', async ({ page }) => {
  test.setTimeout(300_000);
  await openLesson(page, serving);

  // 1. rebatch-flakiness
  const rw = page.locator('[data-widget="rebatch-flakiness"]');
  await expect(rw.locator('[data-flaky]')).toHaveText(want.flaky1);
  for (let r = 0; r < rb.runs; r++) {
    await expect(rw.locator(`[data-run-dropped="${r}"]`)).toHaveText(want.dropped1[r]);
    await expect(rw.locator(`[data-run-score="${r}"]`)).toHaveText(want.scores1[r]);
  }
  await widgetScreenshots(page, 'serving-rebatch', rw);
  await rw.locator('[data-control="capacity"]').focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(rw.locator('[data-cf]')).toHaveText('4.00');
  await expect(page).toHaveURL(/rf_cf=6/);
  await expect(rw.locator('[data-flaky]')).toHaveText(want.flaky4);
  await answerCheck(page, serving, 'rebatch');
  await answerCheck(page, serving, 'capacity');

  // 1b. near-tie-flips: the default ε, then none at ε = 0, then a few near-tie tokens at ε = 1e−2
  const nw = page.locator('[data-widget="near-tie-flips"]');
  await expect(nw.locator('[data-eps]')).toHaveText('1e\u22123');
  await expect(nw.locator('[data-flipped]')).toHaveText(want.near3.flipped, { timeout: 20_000 });
  await expect(nw.locator('[data-median-margin]')).toHaveText(want.nearMedian);
  await nw.locator('[data-control="epsilon"]').focus();
  await page.keyboard.press('Home');
  await expect(nw.locator('[data-eps]')).toHaveText('0');
  await expect(page).toHaveURL(/nt_eps=0/);
  await expect(nw.locator('[data-flipped]')).toHaveText(`0 of ${nt.tokens}`);
  await expect(nw.locator('tr.flipped')).toHaveCount(0);
  await expect(nw.locator('[data-largest-changed]')).toHaveCount(0);
  await page.keyboard.press('End');
  await expect(nw.locator('[data-eps]')).toHaveText('1e\u22122');
  await expect(nw.locator('[data-flipped]')).toHaveText(want.near2.flipped);
  await expect(nw.locator('[data-largest-changed]')).toHaveText(want.near2.largest);
  await expect(nw.locator('tr.flipped')).toHaveCount(want.near2.count);
  // Every token that changed sat on a near tie: its margin is a small fraction of the median.
  const changedMargins = (await nw.locator('tr.flipped [data-margin]').allInnerTexts()).map((t) => Number(t.replace('\u2212', '-')));
  expect(changedMargins).toHaveLength(want.near2.count);
  expect(Math.max(...changedMargins)).toBeLessThan(Number(want.nearMedian) / 10);
  await widgetScreenshots(page, 'serving-near-ties', nw);
  await answerCheck(page, serving, 'near-ties');

  // 2. ep-sharding
  const ew = page.locator('[data-widget="ep-sharding"]');
  await expect(ew.locator('[data-median]')).toHaveText(want.ep4.median, { timeout: 20_000 });
  await expect(ew.locator('[data-p95]')).toHaveText(want.ep4.p95);
  await expect(ew.locator('[data-worst]')).toHaveText(want.ep4.worst);
  const checkTraffic = async (t: typeof want.traffic4) => {
    await expect(ew.locator('[data-bytes]')).toHaveText(t.bytes, { timeout: 20_000 });
    await expect(ew.locator('[data-cross-bytes]')).toHaveText(t.cross);
    await expect(ew.locator('[data-cross]')).toHaveText(t.share);
    await expect(ew.locator('[data-train-bytes]')).toHaveText(t.train);
    await expect(ew.locator('[data-view="traffic"] [data-received]')).toHaveText(t.received);
  };
  await checkTraffic(want.traffic4);
  expect(await ew.locator('rect[data-bin]').count()).toBe(9);
  await widgetScreenshots(page, 'serving-sharding', ew);
  await ew.locator('[data-control="devices"]').selectOption('8');
  await ew.locator('[data-control="step-tokens"]').selectOption('16384');
  await expect(page).toHaveURL(/ep_dev=8/);
  await expect(ew.locator('[data-median]')).toHaveText(want.ep8.median, { timeout: 20_000 });
  await expect(ew.locator('[data-worst]')).toHaveText(want.ep8.worst);
  await checkTraffic(want.traffic16k);
  await ew.getByRole('button', { name: 'Show as a data table' }).click();
  await expect(ew.locator('[data-view="table"] tbody tr')).toHaveCount(ep.batches);
  await answerCheck(page, serving, 'sharding');

  // 3. own-data-bench: the sample, then the learner's text, then a text that is too long.
  const bw = page.locator('[data-widget="own-data-bench"]');
  const checkBench = async (b: Bench) => {
    await expect(bw.locator('[data-tokens]')).toHaveText(b.tokens);
    await expect(bw.locator('[data-load-cv]')).toHaveText(b.cv);
    await expect(bw.locator('[data-max-mean]')).toHaveText(b.maxMean);
    await expect(bw.locator('[data-dropped]')).toHaveText(b.dropped);
    await expect(bw.locator('[data-before]')).toHaveText(b.before);
    await expect(bw.locator('[data-after]')).toHaveText(b.after);
    await expect(bw.locator('[data-flops]')).toHaveText(b.flops);
  };
  await checkBench(want.benchSample);
  await bw.locator('[data-control="text"]').fill(OWN_TEXT);
  await bw.locator('[data-action="bench"]').click();
  await checkBench(want.benchOwn);
  await expect(page).toHaveURL(/ob_text=/);
  await bw.locator('[data-control="text"]').fill('x'.repeat(1600));
  await expect(bw.locator('[data-input-error]')).toContainText('at most 1');
  await bw.locator('[data-action="bench"]').click();
  await expect(bw.locator('[data-tokens]')).toHaveText(want.benchOwn.tokens);
  await bw.locator('[data-control="text"]').fill(OWN_TEXT);
  await widgetScreenshots(page, 'serving-own-data', bw);
  await answerCheck(page, serving, 'own-data');

  // 4. the 10-question check, moved here from the final quiz
  const quiz = stepSection(page, 'check').locator('[data-widget="quiz"][data-quiz="check"]');
  await expect(quiz).toBeVisible();
  await expect(quiz.locator('li[data-question]')).toHaveCount(10);
  // Take it: one wrong answer, nine right, and the score says so.
  const check = loadQuizzesFrom(root('lessons'), course).quizzes['check'];
  for (const [i, q] of check.questions.entries()) {
    if (q.kind !== 'choice') throw new Error(`${q.id}: the check has only choice questions`);
    const question = quiz.locator(`li[data-question="${q.id}"]`);
    const want = decode(q.options.find((o) => !!o.correct === (i !== 0))!.html);
    const texts = (await question.locator('button[data-option] > span:last-child').allInnerTexts()).map((t) => t.trim());
    await question.locator(`button[data-option="${texts.indexOf(want)}"]`).click();
    await expect(question.locator('[data-verdict]')).toHaveAttribute('data-verdict', i === 0 ? 'wrong' : 'right');
  }
  await expect(quiz.locator('[data-score]')).toHaveText(`9 of ${check.questions.length}`);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await stepSection(page, 'check').getByRole('button', { name: 'Finish lesson' }).click();
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
});

test('eval-and-serving: a shared link restores every widget’s state', async ({ page }) => {
  await openLesson(page, serving, '?rf_cf=6&rf_fixed=1&ep_dev=8&ob_cf=0&nt_eps=5');
  await expect(page.locator('[data-widget="rebatch-flakiness"] [data-flaky]')).toHaveText(want.flaky4);
  await expect(page.locator('[data-widget="rebatch-flakiness"] [data-control="fixed"]')).toBeChecked();
  // A link to a later step carries its widget's state too.
  await page.goto(`/#/lesson/${serving.id}/near-ties?nt_eps=5`);
  await expect(page.locator('[data-widget="near-tie-flips"] [data-eps]')).toHaveText('1e\u22122', { timeout: 20_000 });
  await expect(page.locator('[data-widget="near-tie-flips"] [data-flipped]')).toHaveText(want.near2.flipped, { timeout: 20_000 });
});

test('mixture-of-depths: the capacity slider and the sentence box match the engine’s mod_route', async ({ page }) => {
  await openLesson(page, mod);
  const w = page.locator('[data-widget="mod-capacity"]');
  await expect(w.locator('[data-ran]')).toHaveText(want.mod50.ran);
  await expect(w.locator('[data-saved]')).toHaveText(want.mod50.saved);
  await expect(w.locator('[data-ran-flag]')).toHaveCount(want.mod50.flags.length);
  expect(await w.locator('[data-ran-flag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ran-flag')))).toEqual(want.mod50.flags);
  await widgetScreenshots(page, 'serving-mod', w);
  await w.locator('[data-control="capacity"]').focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
  await expect(page).toHaveURL(/mc_cap=20/);
  await expect(w.locator('[data-ran]')).toHaveText(want.mod20.ran);
  await expect(w.locator('[data-saved]')).toHaveText(want.mod20.saved);
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await expect(w.locator('[data-status]')).toHaveText(want.mod20.flags.map((f) => (f === '1' ? 'runs' : 'skips')));
  await w.getByRole('button', { name: 'Show as a data table' }).click();
  await w.locator('[data-control="capacity"]').focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await expect(w.locator("[data-cap]")).toHaveText("50%");
  await w.getByLabel('Sentence').fill(MOD_TEXT);
  await w.getByRole('button', { name: 'Route it' }).click();
  await expect(w.locator('[data-ran]')).toHaveText(want.modOwn.ran);
  expect(await w.locator('[data-ran-flag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ran-flag')))).toEqual(want.modOwn.flags);
  await answerCheck(page, mod, 'route');
  await answerCheck(page, mod, 'claims');
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
});
