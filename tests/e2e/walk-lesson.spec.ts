// The walk-one-token lesson end to end, in Chromium against the production
// build: once by mouse, once by keyboard only. The numbers the page reveals are
// compared with the same wasm engine run here in Node, and the tokens we
// predict for are chosen from the lesson's router design, not from the page.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { test, expect, shot, seriousA11yViolations } from './fixtures';
import { parseLesson } from '../../web/src/lessons/parse';
import type { Lesson } from '../../web/src/lessons/types';
import { layerSpec } from '../../web/src/widgets/token-walk/walk';
import type { TokenWalkParams } from '../../web/src/widgets/token-walk/spec';
import { fmt, possessive } from '../../web/src/widgets/format';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const lesson: Lesson = parseLesson('lessons/walk-one-token.md', fs.readFileSync(root('lessons/walk-one-token.md'), 'utf8'));
const params = lesson.steps[0].blocks.find((b) => b.kind === 'widget')!.params as TokenWalkParams;
const [NUMBERS, PUNCTUATION, NAMES, LONG_WORDS] = [0, 1, 2, 3];

// By the router rows in the lesson: "Lovelace" (capitalised, 8 letters) leans on
// Names and Long words; "1843" is a number, so Punctuation cannot beat Long words
// (its length term) for the second place.
const RIGHT = { token: 'Lovelace', experts: [NAMES, LONG_WORDS] };
const WRONG = { token: '1843', experts: [NUMBERS, PUNCTUATION] };

type Expected = { logits: number[]; topk: number[] };
const expected = new Map<string, Expected>();

test.beforeAll(async () => {
  // Emscripten 3.1.6's ES module wants `__dirname` and `require` under Node (see core.ts).
  const g = globalThis as Record<string, unknown>;
  g.__dirname ??= root('build/wasm');
  g.require ??= createRequire(root('build/wasm/moe_engine.mjs'));
  const { EngineCore } = await import('../../web/src/engine/core');
  const core = await EngineCore.load({ wasmBinary: fs.readFileSync(root('build/wasm/moe_engine.wasm')) });
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

const decode = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The text of the correct option of a step's check, as the lesson file defines it. */
function rightAnswer(stepId: string): string {
  const step = lesson.steps.find((s) => s.id === stepId)!;
  const check = step.blocks.find((b) => b.kind === 'check');
  if (check?.kind !== 'check') throw new Error(`step ${stepId} has no check`);
  return decode(check.options.find((o) => o.correct)!.html);
}

const stepSection = (page: Page, stepId: string) => page.locator(`section[data-step="${stepId}"]`);
const widget = (page: Page, stage: string) => page.locator(`[data-widget="token-walk"][data-stage="${stage}"]`);

async function expectLogits(page: Page, token: string) {
  const { logits } = expected.get(token)!;
  const cells = widget(page, 'logits').locator('[data-logit]');
  await expect(cells).toHaveText(logits.map((l) => fmt(l)));
}

/** Keyboard only: Tab (or Shift+Tab) until `target` has focus, then press `key`. */
async function tabTo(page: Page, target: Locator, key: 'Enter' | 'Space' = 'Enter', backwards = false) {
  for (let i = 0; i < 120; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      await page.keyboard.press(key);
      return;
    }
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`could not reach ${target} with the Tab key`);
}

test('walk the lesson by mouse: right and wrong predictions, progress kept after reload', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.locator('[data-lesson="dense-cost"]')).toContainText('Coming soon');
  await expect(page.locator('.engine-status')).toHaveText('Engine ready');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'map-desktop');

  await page.locator('a[data-lesson="walk-one-token"]').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);

  // Step 1: choose the token whose routing we know from the router design.
  await widget(page, 'pick').getByRole('button', { name: RIGHT.token, exact: true }).click();
  await expect(widget(page, 'pick')).toContainText(`Following ${RIGHT.token}`);
  for (const step of lesson.steps) {
    const section = stepSection(page, step.id);
    await expect(section).toBeVisible();
    if (step.id === 'predict') {
      const predict = widget(page, 'predict');
      for (const e of RIGHT.experts) await predict.getByRole('button', { name: params.experts[e] }).click();
      await predict.getByRole('button', { name: 'Reveal' }).click();
      await expect(predict.locator('[data-verdict="right"]')).toContainText('You called it.');
      await expect(page).toHaveURL(/#\/lesson\/walk-one-token\/predict\?.*pred=2,3/);
    }
    if (step.id === 'logits') await expectLogits(page, RIGHT.token);
    if (step.id === 'top2') {
      for (const e of RIGHT.experts) await expect(widget(page, 'top2').locator(`[data-fate="${e}"]`)).toContainText('kept');
    }
    await section.getByRole('button', { name: rightAnswer(step.id), exact: true }).click();
    await expect(section.locator('.check .feedback.good')).toBeVisible();
    if (step.id === 'logits') await shot(page, 'lesson-logits-desktop');
    const go = section.getByRole('button', { name: step === lesson.steps.at(-1) ? 'Finish lesson' : 'Continue' });
    await go.click();
  }
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'lesson-complete-desktop');

  // A wrong prediction: back to the first step, another token.
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
  await expectLogits(page, WRONG.token);
  await predict.scrollIntoViewIfNeeded();
  await shot(page, 'lesson-wrong-prediction-desktop');

  // Progress survives a reload, and the map knows where we were.
  await page.reload();
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeVisible();
  await expect(widget(page, 'pick')).toContainText(`Following ${WRONG.token}`);
  await page.goto('/#/');
  await expect(page.locator('a[data-lesson="walk-one-token"]')).toContainText('Completed');
  await expect(page.getByRole('link', { name: 'Continue where you left off' })).toBeVisible();
  await expect(page.getByText('1 of 1 lessons done')).toBeVisible();
});

test('walk the lesson by keyboard only', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('.engine-status')).toHaveText('Engine ready');
  await tabTo(page, page.getByRole('link', { name: 'Start the first lesson' }));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);

  await tabTo(page, widget(page, 'pick').getByRole('button', { name: RIGHT.token, exact: true }), 'Space');
  await expect(widget(page, 'pick')).toContainText(`Following ${RIGHT.token}`);
  for (const step of lesson.steps) {
    const section = stepSection(page, step.id);
    if (step.id === 'predict') {
      const predict = widget(page, 'predict');
      for (const e of RIGHT.experts) await tabTo(page, predict.getByRole('button', { name: params.experts[e] }), 'Space');
      await tabTo(page, predict.getByRole('button', { name: 'Reveal' }));
      await expect(predict.locator('[data-verdict="right"]')).toBeVisible();
    }
    await tabTo(page, section.getByRole('button', { name: rightAnswer(step.id), exact: true }));
    await expect(section.locator('.check .feedback.good')).toBeVisible();
    const last = step === lesson.steps.at(-1);
    await tabTo(page, section.getByRole('button', { name: last ? 'Finish lesson' : 'Continue' }));
    if (!last) await expect(page.locator(`#title-${lesson.steps[lesson.steps.indexOf(step) + 1].id}`)).toBeFocused();
  }
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeFocused();
});

test('the lesson at 375 px wide, light and dark', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto('/');
  await expect(page.locator('.engine-status')).toHaveText('Engine ready');
  await shot(page, 'map-375');

  // A deep link opens the steps up to it, with the widget state from the URL.
  await page.goto('/#/lesson/walk-one-token/logits?token=4');
  await expect(stepSection(page, 'logits')).toBeVisible();
  await expectLogits(page, RIGHT.token);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no sideways scrolling at 375 px').toBeLessThanOrEqual(0);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'lesson-375');

  // A typed word is embedded on its own and followed through the same steps.
  const pick = widget(page, 'pick');
  await pick.getByLabel('…or type a word of your own').fill('Paris');
  await pick.getByRole('button', { name: 'Use this word' }).click();
  await expect(pick).toContainText('Following Paris (typed, embedded on its own)');
  await expect(page).toHaveURL(/word=Paris/);
  await expect(widget(page, 'logits').locator('[data-logit]')).toHaveCount(4);

  await page.emulateMedia({ colorScheme: 'dark' });
  await stepSection(page, 'logits').scrollIntoViewIfNeeded();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'lesson-375-dark');
});
