// Lesson neighbour-tokens end to end: consecutive-token agreement of the learner's own text, per
// layer, first choice and first-or-second, against the uniform router and the layer's own loads,
// equal to the engine in Node on the same checkpoint; Mixtral's Table 5 beside it; bad text gets a
// plain message. Keyboard only, 375 px, dark theme, axe-core, screenshots.
import { test, expect } from './fixtures';
import { loadLesson, paramsOf, widgetScreenshots } from './lesson-page';
import { analyseOwnSample, checkBadOwnText, routingStatsWidget, shippedLmBeforeAll } from './lm-page';
import type { LmRoutingStatsParams } from '../../web/src/widgets/lm-routing-stats/params';
import { points } from '../../web/src/widgets/lm-routing-stats/summary';
import { percent } from '../../web/src/widgets/format';

const lesson = loadLesson('neighbour-tokens');
const params = paramsOf<LmRoutingStatsParams>(lesson, 'lm-routing-stats');
const lm = shippedLmBeforeAll();

test('agreement per layer on your own text equals the engine in Node, keyboard only', async ({ page }) => {
  test.setTimeout(180_000);
  const w = await routingStatsWidget(page, `/#/lesson/${lesson.id}/measure`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
  await expect(w.locator('[data-table="mixtral"] tbody tr')).toHaveCount(8);
  const report = await analyseOwnSample(page, w, lm, params);
  const rows = w.locator('[data-table="agreement"] tbody tr');
  await expect(rows).toHaveCount(report.model.layers);
  for (const [l, a] of report.consecutive_agreement.entries()) {
    await expect(rows.nth(l).locator('td')).toHaveText([
      percent(a.first_choice), percent(a.uniform_first), percent(a.chance_first), points(a.excess_first),
      percent(a.first_or_second), percent(a.uniform_set), percent(a.chance_set), points(a.excess_set),
    ]);
  }
  // The uniform baselines are 1/E and 1 − C(E−k,k)/C(E,k) of this model.
  const E = lm.info.num_local_experts;
  const k = lm.info.num_experts_per_tok;
  const choose = (n: number, m: number): number => (m === 0 ? 1 : (n * choose(n - 1, m - 1)) / m);
  expect(report.consecutive_agreement[0].uniform_first).toBeCloseTo(1 / E, 12);
  expect(report.consecutive_agreement[0].uniform_set).toBeCloseTo(1 - choose(E - k, k) / choose(E, k), 12);
  await expect(w.locator('[data-summary="first"]')).toContainText('Against the uniform router, the first choice repeats');
  await widgetScreenshots(page, 'neighbour-tokens-own-text', w);
});

test('bad text gets a plain message and the next run works', async ({ page }) => {
  test.setTimeout(120_000);
  const w = await routingStatsWidget(page, `/#/lesson/${lesson.id}/measure`);
  await checkBadOwnText(w, '', '\n\n\t \u0003', 'x = 1\ny = x + 2\nprint(y)');
});
