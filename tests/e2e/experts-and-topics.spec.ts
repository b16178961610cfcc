// Lesson experts-and-topics end to end: the learner's own text analysed in the page gives the
// engine's numbers in Node on the same checkpoint (expert share per layer, NMI, vocabulary
// specialisation); bad text gets a plain message and the next run works. Keyboard only, 375 px,
// dark theme, axe-core, screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from './fixtures';
import { loadLesson, paramsOf, widgetScreenshots } from './lesson-page';
import { root, tabTo } from './phase2';
import { analyseOwnSample, checkBadOwnText, routeOwnText, routingStatsWidget, shippedLmBeforeAll } from './lm-page';
import type { LmRoutingStatsParams } from '../../web/src/widgets/lm-routing-stats/params';
import { percent } from '../../web/src/widgets/format';

const lesson = loadLesson('experts-and-topics');
// The text the build ships as models/corpus/<domain>/heldout.txt.
const corpusDir = process.env.MOE_LM_CORPUS ?? root('build/lm-corpus');
const params = paramsOf<LmRoutingStatsParams>(lesson, 'lm-routing-stats');
const lm = shippedLmBeforeAll();

test('your own text: expert shares, NMI and vocabulary equal the engine in Node, keyboard only', async ({ page }) => {
  test.setTimeout(180_000);
  const w = await routingStatsWidget(page, `/#/lesson/${lesson.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
  const report = await analyseOwnSample(page, w, lm, params);
  for (const l of [0, report.model.layers - 1]) {
    await w.locator('[data-control="layer"]').selectOption({ value: String(l) });
    await expect(w.locator('[data-table="share"] tbody td')).toHaveText(report.expert_share[l][0].map(percent));
  }
  const nmiRows = w.locator('[data-table="nmi"] tbody tr');
  await expect(nmiRows).toHaveCount(report.model.layers);
  for (const [l, n] of report.nmi.entries()) {
    await expect(nmiRows.nth(l).locator('td')).toHaveText([n.domain.toFixed(3), n.surface.toFixed(3), percent(report.vocabulary[l].mean)]);
  }
  await expect(w.locator('[data-summary="nmi"]')).toContainText('With one text there is no domain to tell apart');
  await widgetScreenshots(page, 'experts-and-topics-own-text', w);
});

test('bad text gets a plain message and the next run works', async ({ page }) => {
  test.setTimeout(120_000);
  const w = await routingStatsWidget(page, `/#/lesson/${lesson.id}`);
  await checkBadOwnText(w, '   ', '\u0001\u0002\t\u001b\u0007', 'Ελλάδα 中文 🙂 and some English words, 12 + 30 = 42.\u0007');

  await routeOwnText(w, 'the quick brown fox jumps. '.repeat(3704).slice(0, 100_000));
  await expect(w).toHaveAttribute('data-own', 'done', { timeout: 90_000 });
  await expect(w.locator('.status').last()).toContainText('tokens of your text routed');
});

test('the held-out corpus: each domain’s expert shares equal moe lm analyze’s numbers in Node', async ({ page }) => {
  test.setTimeout(240_000);
  const w = await routingStatsWidget(page, `/#/lesson/${lesson.id}`);
  await tabTo(page, w.locator('[data-control="analyse-corpus"]'));
  await expect(w).toHaveAttribute('data-corpus', 'done', { timeout: 180_000 });
  const names = fs.readdirSync(corpusDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const texts = names.map((name) => ({ name, text: fs.readFileSync(path.join(corpusDir, name, 'heldout.txt'), 'utf8') }));
  const r = await lm.core.lmAnalyze(lm.info.id, texts, { max_tokens: params.max_tokens });
  if (!r.ok) throw new Error(r.error);
  const last = r.value.model.layers - 1;
  await w.locator('[data-control="layer"]').selectOption({ value: String(last) });
  await expect(w.locator('[data-table="share"] tbody td')).toHaveText(r.value.expert_share[last].flat().map(percent));
  await expect(w.locator('[data-table="nmi"] tbody tr').nth(last).locator('td').first()).toHaveText(r.value.nmi[last].domain.toFixed(3));
  await widgetScreenshots(page, 'experts-and-topics-corpus', w);
});
