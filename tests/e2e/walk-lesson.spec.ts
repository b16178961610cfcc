// Phase 2 (one token through a 4-expert layer, five lessons) end to end, in
// Chromium against the production build: once by mouse, once by keyboard
// only. The learner's token and prediction carry from lesson to lesson. The
// numbers the page reveals are compared with the same wasm engine run here in
// Node, and the tokens we predict for are chosen from the lessons' router
// design, not from the page.
import type { Page } from '@playwright/test';
import { test, expect, shot, seriousA11yViolations } from './fixtures';
import { layerSpec } from '../../web/src/widgets/token-walk/walk';
import { fmt, possessive } from '../../web/src/widgets/format';
import { engineReady, loadEngine, phase2, rightAnswer, stepSection, tabTo, walkParams as params, walkWidget as widget } from './phase2';

const [NUMBERS, PUNCTUATION, NAMES, LONG_WORDS] = [0, 1, 2, 3];

// By the router rows in the lessons: "Lovelace" (capitalised, 8 letters) leans on
// Names and Long words; "1843" is a number, so Punctuation cannot beat Long words
// (its length term) for the second place.
const RIGHT = { token: 'Lovelace', index: 4, experts: [NAMES, LONG_WORDS] };
const WRONG = { token: '1843', experts: [NUMBERS, PUNCTUATION] };

type Expected = { logits: number[]; topk: number[] };
const expected = new Map<string, Expected>();

test.beforeAll(async () => {
  const core = await loadEngine();
  try {
    const embedded = core.embed(params.sentence);
    if (!embedded.ok) throw new Error(embedded.error);
    const { tokens, features, feature_names } = embedded.value;
    const F = feature_names.length;
    for (const token of [RIGHT.token, WRONG.token]) {
      const t = tokens.indexOf(token);
      const run = core.forward(layerSpec(params), features.slice(t * F, (t + 1) * F), 1);
      if (!run.ok) throw new Error(run.error);
      expected.set(token, { logits: Array.from(run.value.router_logits), topk: Array.from(run.value.topk_ids) });
    }
  } finally {
    core.dispose();
  }
  // The lesson design these tests rely on.
  expect([...expected.get(RIGHT.token)!.topk].sort()).toEqual(RIGHT.experts);
  expect(expected.get(WRONG.token)!.topk).toContain(NUMBERS);
  expect(expected.get(WRONG.token)!.topk).not.toContain(PUNCTUATION);
});

async function expectLogits(page: Page, token: string) {
  const { logits } = expected.get(token)!;
  await expect(widget(page, 'logits').locator('[data-logit]')).toHaveText(logits.map((l) => fmt(l)));
}

test('walk the five lessons by mouse: right and wrong predictions, the token carried along, progress kept after reload', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await engineReady(page);
  for (const lesson of phase2) await expect(page.locator(`a[data-lesson="${lesson.id}"]`)).toContainText(`${lesson.minutes} min · Not started`);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'map-desktop');

  await page.locator(`a[data-lesson="${phase2[0].id}"]`).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(phase2[0].title);
  await widget(page, 'pick').getByRole('button', { name: RIGHT.token, exact: true }).click();
  await expect(widget(page, 'pick')).toContainText(`Following ${RIGHT.token}`);

  for (const [n, lesson] of phase2.entries()) {
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
    for (const step of lesson.steps) {
      const section = stepSection(page, step.id);
      await expect(section).toBeVisible();
      if (step.id === 'predict') {
        const predict = widget(page, 'predict');
        for (const e of RIGHT.experts) await predict.getByRole('button', { name: params.experts[e] }).click();
        await predict.getByRole('button', { name: 'Reveal' }).click();
        await expect(predict.locator('[data-verdict="right"]')).toContainText('You called it.');
        await expect(page).toHaveURL(/\/lesson\/pick-and-predict\/#predict\?.*pred=2,3/);
      }
      if (step.id === 'embedding') {
        // The token and the prediction came along from the previous lesson.
        await expect(section.locator('[data-followed]')).toContainText(`Following ${RIGHT.token}. You predicted Names and Long words.`);
      }
      if (step.id === 'logits') await expectLogits(page, RIGHT.token);
      if (step.id === 'top2') {
        for (const e of RIGHT.experts) await expect(widget(page, 'top2').locator(`[data-fate="${e}"]`)).toContainText('kept');
      }
      await section.getByRole('button', { name: rightAnswer(lesson, step.id), exact: true }).click();
      await expect(section.locator('.check .feedback.good')).toBeVisible();
      if (step.id === 'logits') await shot(page, 'lesson-logits-desktop');
      await section.getByRole('button', { name: step === lesson.steps.at(-1) ? 'Finish lesson' : 'Continue' }).click();
    }
    await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
    const next = phase2[n + 1];
    if (next) {
      // The next lesson's link carries the followed token.
      const link = page.getByRole('link', { name: `Next lesson: ${next.title}` });
      await expect(link).toHaveAttribute('href', new RegExp(`/lesson/${next.id}/#\\?.*token=${RIGHT.index}`));
      await link.click();
    }
  }
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'lesson-complete-desktop');

  // A wrong prediction: back to the first lesson, another token.
  await page.goto('/#/lesson/pick-and-predict/pick-token');
  await widget(page, 'pick').getByRole('button', { name: WRONG.token, exact: true }).click();
  const predict = widget(page, 'predict');
  for (const e of WRONG.experts) await predict.getByRole('button', { name: params.experts[e] }).click();
  await predict.getByRole('button', { name: 'Reveal' }).click();
  const { logits, topk } = expected.get(WRONG.token)!;
  const beaten = topk.find((e) => !WRONG.experts.includes(e))!;
  const verdict = predict.locator('[data-verdict="wrong"]');
  await expect(verdict).toContainText('Not quite.');
  await expect(verdict).toContainText(
    `You picked ${params.experts[PUNCTUATION]}, but its logit ${fmt(logits[PUNCTUATION])} is below ${possessive(params.experts[beaten])} logit ${fmt(logits[beaten])}`,
  );
  await predict.scrollIntoViewIfNeeded();
  await shot(page, 'lesson-wrong-prediction-desktop');

  // The next lesson, opened from the map (no state in the link), follows the new token.
  await page.goto('/#/');
  await page.locator('a[data-lesson="gating-logits"]').click();
  await expectLogits(page, WRONG.token);

  // Progress survives a reload, and the map knows where we were.
  await page.reload();
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
  await expectLogits(page, WRONG.token);
  await page.goto('/#/');
  for (const lesson of phase2) await expect(page.locator(`a[data-lesson="${lesson.id}"]`)).toContainText('Completed');
  await expect(page.locator('[data-phase-meta="one-token"]')).toContainText('5 of 5 lessons done');
  await expect(page.getByRole('link', { name: 'Continue where you left off' })).toHaveAttribute('href', /\/lesson\/gating-logits\/#/);
});

test('walk the five lessons by keyboard only', async ({ page }) => {
  await page.goto('/');
  await engineReady(page);
  await tabTo(page, page.locator(`a[data-lesson="${phase2[0].id}"]`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(phase2[0].title);
  await tabTo(page, widget(page, 'pick').getByRole('button', { name: RIGHT.token, exact: true }), 'Space');
  await expect(widget(page, 'pick')).toContainText(`Following ${RIGHT.token}`);

  for (const [n, lesson] of phase2.entries()) {
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
    for (const step of lesson.steps) {
      const section = stepSection(page, step.id);
      if (step.id === 'predict') {
        const predict = widget(page, 'predict');
        for (const e of RIGHT.experts) await tabTo(page, predict.getByRole('button', { name: params.experts[e] }), 'Space');
        await tabTo(page, predict.getByRole('button', { name: 'Reveal' }));
        await expect(predict.locator('[data-verdict="right"]')).toBeVisible();
      }
      await tabTo(page, section.getByRole('button', { name: rightAnswer(lesson, step.id), exact: true }));
      await expect(section.locator('.check .feedback.good')).toBeVisible();
      const last = step === lesson.steps.at(-1);
      await tabTo(page, section.getByRole('button', { name: last ? 'Finish lesson' : 'Continue' }));
      if (!last) await expect(page.locator(`#title-${lesson.steps[lesson.steps.indexOf(step) + 1].id}`)).toBeFocused();
    }
    await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeFocused();
    if (phase2[n + 1]) await tabTo(page, page.getByRole('link', { name: `Next lesson: ${phase2[n + 1].title}` }));
  }
});

test('the lessons at 375 px wide, light and dark; deep and old links', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto('/');
  await engineReady(page);
  await shot(page, 'map-375');

  // A deep link opens the steps up to it, with the widget state from the URL.
  await page.goto('/#/lesson/gating-logits/logits?token=4');
  await expect(stepSection(page, 'logits')).toBeVisible();
  await expectLogits(page, RIGHT.token);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no sideways scrolling at 375 px').toBeLessThanOrEqual(0);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'lesson-375');

  // A link to the retired one-page lesson lands on the lesson that now holds its step.
  await page.goto('/#/lesson/walk-one-token/top2?token=4');
  await expect(page).toHaveURL(/\/lesson\/top2-cut\/#top2\?token=4/);
  await expect(widget(page, 'top2').locator(`[data-fate="${NAMES}"]`)).toContainText('kept');

  // A typed word is embedded on its own and followed into the next lesson.
  await page.goto('/#/lesson/pick-and-predict');
  const pick = widget(page, 'pick');
  await pick.getByLabel('…or type a word of your own').fill('Paris');
  await pick.getByRole('button', { name: 'Use this word' }).click();
  await expect(pick).toContainText('Following Paris (typed, embedded on its own)');
  await expect(page).toHaveURL(/word=Paris/);
  await page.goto('/#/lesson/gating-logits/logits');
  await expect(widget(page, 'logits').locator('[data-logit]')).toHaveCount(4);
  await expect(stepSection(page, 'embedding').locator('[data-followed]')).toContainText('Following Paris');

  await page.emulateMedia({ colorScheme: 'dark' });
  await stepSection(page, 'logits').scrollIntoViewIfNeeded();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'lesson-375-dark');
});
