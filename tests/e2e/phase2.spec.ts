// Phase 2's lessons one by one, the topk-cut widget against the engine in
// Node, and the player features: glossary popovers, formula toggles, progress
// export / import / reset, and the theme toggle.
import fs from 'node:fs';
import { test, expect, shot, seriousA11yViolations } from './fixtures';
import type { Page } from '@playwright/test';
import { cutSpec, tokenCut } from '../../web/src/widgets/topk-cut/cut';
import type { CutRun } from '../../web/src/widgets/topk-cut/cut';
import type { TopkCutParams } from '../../web/src/widgets/topk-cut/params';
import { fmt, percent } from '../../web/src/widgets/format';
import { engineReady, firstWidget, loadEngine, phase2, rightAnswer, stepSection, wrongAnswer } from './phase2';

const LOVELACE = 4;
const cutParams = firstWidget(phase2.find((l) => l.id === 'top2-cut')!, 'topk-cut').params as TopkCutParams;
const expectedCut = new Map<string, ReturnType<typeof tokenCut>>();

test.beforeAll(async () => {
  const core = await loadEngine();
  try {
    const embedded = core.embed(cutParams.sentence);
    if (!embedded.ok) throw new Error(embedded.error);
    const T = embedded.value.tokens.length;
    for (const [experts, k] of [[4, 2], [4, 1], [8, 2], [8, 3]]) {
      const layer = { experts, k };
      const renorm = core.forward(cutSpec(cutParams, layer, 'softmax_topk_renorm'), embedded.value.features, T);
      const raw = core.forward(cutSpec(cutParams, layer, 'softmax_topk'), embedded.value.features, T);
      if (!renorm.ok || !raw.ok) throw new Error('engine failed');
      const run: CutRun = { tokens: embedded.value.tokens, row: LOVELACE, renorm: renorm.value, raw: raw.value };
      expectedCut.set(`${experts}/${k}`, tokenCut(run, LOVELACE));
    }
  } finally {
    core.dispose();
  }
});

for (const lesson of phase2) {
  test(`lesson ${lesson.id} opens cleanly, checks give feedback, axe is clean; desktop and 375 px`, async ({ page }) => {
    await page.goto(`/#/lesson/${lesson.id}?token=${LOVELACE}&pred=2,3&shown=1`);
    await engineReady(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
    const first = lesson.steps[0];
    const section = stepSection(page, first.id);
    // A wrong answer says so and keeps the step open; the right one opens the next.
    await section.getByRole('button', { name: wrongAnswer(lesson, first.id), exact: true }).click();
    await expect(section.locator('.check .feedback.miss')).toContainText('Not quite.');
    await expect(section.getByText(/Answer the question above/)).toBeVisible();
    await section.getByRole('button', { name: rightAnswer(lesson, first.id), exact: true }).click();
    await expect(section.locator('.check .feedback.good')).toContainText('Right.');
    await section.getByRole('button', { name: lesson.steps.length > 1 ? 'Continue' : 'Finish lesson' }).click();
    if (lesson.steps[1]) await expect(stepSection(page, lesson.steps[1].id)).toBeVisible();
    await expect(page.locator('[data-widget] .engine-error')).toHaveCount(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, `phase2-${lesson.id}-desktop`);
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'no sideways scrolling at 375 px').toBeLessThanOrEqual(0);
    await shot(page, `phase2-${lesson.id}-375`);
  });
}

test('topk-cut: discarded mass and both kinds of gate match the engine; k, E and the table view', async ({ page }) => {
  await page.goto(`/#/lesson/top2-cut/discarded-mass?token=${LOVELACE}`);
  await engineReady(page);
  const cut = page.locator('[data-widget="topk-cut"]');
  await expect(cut).toBeVisible();
  await cut.getByRole('button', { name: 'Show the numbers as a table' }).click();
  const names = (experts: number) => (experts === 4 ? cutParams.experts : Array.from({ length: 8 }, (_, e) => `Expert ${e + 1}`));

  async function expectNumbers(experts: number, k: number) {
    const want = expectedCut.get(`${experts}/${k}`)!;
    await expect(cut).toHaveAttribute('data-k', String(k));
    await expect(cut).toHaveAttribute('data-experts', String(experts));
    await expect(cut.locator('[data-discarded]')).toHaveText(percent(1 - want.keptMass));
    await expect(cut.locator('[data-prob]')).toHaveText(want.probs.map((p) => fmt(p, 3)));
    const renorm = names(experts).map((_, e) => (want.kept.includes(e) ? fmt(want.renormGates[want.kept.indexOf(e)], 3) : '—'));
    const raw = names(experts).map((_, e) => (want.kept.includes(e) ? fmt(want.rawGates[want.kept.indexOf(e)], 3) : '—'));
    await expect(cut.locator('[data-gate-renorm]')).toHaveText(renorm);
    await expect(cut.locator('[data-gate-raw]')).toHaveText(raw);
  }

  await expectNumbers(4, 2);
  // The slider works from the keyboard.
  const slider = cut.getByRole('slider');
  await slider.focus();
  await page.keyboard.press('ArrowLeft');
  await expectNumbers(4, 1);
  await expect(page).toHaveURL(/cut_k=1/);
  await cut.getByRole('radio', { name: /8 \(seeded router\)/ }).check();
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await expectNumbers(8, 2);
  await page.keyboard.press('ArrowRight');
  await expectNumbers(8, 3);
  await expect(page).toHaveURL(/cut_e=8/);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await cut.scrollIntoViewIfNeeded();
  await shot(page, 'phase2-topk-cut-table-desktop');
  await cut.getByRole('button', { name: 'Show as chart' }).click();
  await expect(cut.locator('.cut-chart')).toBeVisible();
  await shot(page, 'phase2-topk-cut-chart-desktop');

  // The formula toggle below the widget reveals build-time KaTeX.
  const toggle = stepSection(page, 'discarded-mass').locator('[data-formula] button');
  await expect(toggle).toHaveAccessibleName('Show the formula for the two kinds of gate');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(toggle).toHaveAccessibleName(/Hide the formula/);
  await expect(stepSection(page, 'discarded-mass').locator('[data-formula] .katex-display')).toBeVisible();
});

test('glossary terms open a popover on keyboard focus and on hover; Escape closes it', async ({ page }) => {
  await page.goto('/#/lesson/pick-and-predict');
  await engineReady(page);
  const term = stepSection(page, 'pick-token').locator('button.term[data-term="router"]').first();
  await expect(term).toHaveAccessibleDescription(/router: The small linear layer/);
  const popover = page.locator('#glossary-popover');

  await page.locator('#title-pick-token').focus();
  // Keyboard only: Tab from the step title to the first term.
  for (let i = 0; i < 60 && !(await term.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(term).toBeFocused();
  await expect(popover).toBeVisible();
  await expect(popover).toHaveAttribute('role', 'tooltip');
  await expect(popover).toContainText('router');
  await expect(popover).toContainText('scores every expert');
  await shot(page, 'phase2-glossary-popover-desktop');
  await page.keyboard.press('Escape');
  await expect(popover).toBeHidden();

  const other = stepSection(page, 'pick-token').locator('button.term[data-term="top-k"]').first();
  await other.hover();
  await expect(popover).toBeVisible();
  await expect(popover).toHaveAttribute('data-term', 'top-k');
  await page.mouse.move(5, 5);
  await expect(popover).toBeHidden();
  expect(await seriousA11yViolations(page)).toEqual([]);
});

test('progress: export, reset with confirmation, import round-trips; a bad file changes nothing', async ({ page }, info) => {
  await page.goto(`/#/lesson/pick-and-predict/pick-token?token=${LOVELACE}`);
  await engineReady(page);
  const lesson = phase2[0];
  const section = stepSection(page, 'pick-token');
  await section.getByRole('button', { name: rightAnswer(lesson, 'pick-token'), exact: true }).click();
  await section.getByRole('button', { name: 'Continue' }).click();
  await page.goto('/#/');
  const card = page.locator(`a[data-lesson="${lesson.id}"]`);
  await expect(card).toContainText('In progress · step 2 of 3');

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export progress' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^moe-tutor-progress-\d{4}-\d\d-\d\d\.json$/);
  const saved = info.outputPath('progress.json');
  await download.saveAs(saved);
  const exported = JSON.parse(fs.readFileSync(saved, 'utf8'));
  expect(exported.progress.lessons[lesson.id]).toMatchObject({ reached: 2, solved: ['pick-token'] });

  await page.getByRole('button', { name: 'Reset progress…' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(card).toContainText('In progress');
  await page.getByRole('button', { name: 'Reset progress…' }).click();
  await page.getByRole('button', { name: 'Yes, reset my progress' }).click();
  await expect(card).toContainText('Not started');

  const bad = info.outputPath('bad.json');
  fs.writeFileSync(bad, JSON.stringify({ format: 'moe-tutor-progress', version: 1, progress: { lessons: { x: { reached: 'lots' } } } }));
  await page.locator('input[type="file"]').setInputFiles(bad);
  await expect(page.locator('[data-progress-message="miss"]')).toContainText('progress.lessons.x.reached');
  await expect(page.locator('[data-progress-message="miss"]')).toContainText('Your current progress is unchanged.');
  await expect(card).toContainText('Not started');

  await page.locator('input[type="file"]').setInputFiles(saved);
  await expect(page.locator('[data-progress-message="good"]')).toContainText('Progress loaded');
  await expect(card).toContainText('In progress · step 2 of 3');
  await page.reload();
  await expect(card).toContainText('In progress · step 2 of 3');
  expect(await seriousA11yViolations(page)).toEqual([]);
});

/** The course map opened with the system theme `scheme`: its theme toggle (pressed in dark), and the page's background colour. */
async function mapInTheme(page: Page, scheme: 'light' | 'dark') {
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto('/');
  const toggle = page.getByRole('button', { name: 'Dark theme' });
  await expect(toggle).toHaveAttribute('aria-pressed', scheme === 'dark' ? 'true' : 'false');
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  return { toggle, bg };
}

test('with no pick the page follows the system theme, also when it changes', async ({ page }) => {
  const { toggle, bg } = await mapInTheme(page, 'dark');
  const dark = await bg();
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  expect(await bg()).not.toBe(dark);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  expect(await bg()).toBe(dark);
});

test('the theme toggle overrides the system setting and persists', async ({ page }) => {
  const { toggle, bg } = await mapInTheme(page, 'light');
  const light = await bg();
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  expect(await bg()).not.toBe(light);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Dark theme' })).toHaveAttribute('aria-pressed', 'true');
  expect(await bg()).not.toBe(light);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'phase2-map-dark-toggle-desktop');
});
