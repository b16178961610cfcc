// Lesson meet-the-lm end to end: the shipped MoE language model loads with a progress bar (and,
// when its download fails, says why and retries, while the rest of the course keeps working); a
// seeded continuation equals the native CLI's; every token's expert label equals the engine's
// routing in Node for the chosen layer; focusing a token shows its probabilities in every layer;
// Cancel stops a stream; bad prompts get a plain message; the size table is the engine's LmInfo.
// Keyboard only, 375 px, dark theme, axe-core, screenshots.
import { test, expect } from './fixtures';
import { loadLesson, paramsOf, widgetScreenshots } from './lesson-page';
import { tabTo } from './phase2';
import { cliGenerate, modelReady, shippedLmBeforeAll } from './lm-page';
import type { LmExplorerParams } from '../../web/src/widgets/lm-explorer/params';
import { visibleText } from '../../web/src/widgets/lm-explorer/tokens';

const lesson = loadLesson('meet-the-lm');
const params = paramsOf<LmExplorerParams>(lesson, 'lm-explorer');
const lm = shippedLmBeforeAll();

const explorer = (page: import('@playwright/test').Page) => page.locator('[data-widget="lm-explorer"]');

test('a seeded continuation equals the CLI, each token marked by the engine’s expert, keyboard only', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(`/#/lesson/${lesson.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
  await modelReady(page, 'lm-explorer');
  const w = explorer(page);

  // Sampling with the default seed, temperature and top-p: switch greedy off with the keyboard.
  await tabTo(page, w.getByLabel('Greedy (always the most likely token)'), 'Space');
  await tabTo(page, w.locator('[data-control="generate"]'));
  await expect(w).toHaveAttribute('data-run', 'done', { timeout: 60_000 });

  const tokens = await lm.core.lmTokenize(lm.info.id, params.prompt);
  if (!tokens.ok) throw new Error(tokens.error);
  const prompt = Array.from(tokens.value.ids);
  const generated = cliGenerate(prompt, params.max_new_tokens, { temperature: 0.8, top_p: 0.9, seed: 1 });
  const all = [...prompt, ...generated];
  const text = await lm.core.lmDetokenize(lm.info.id, all);
  if (!text.ok) throw new Error(text.error);
  const shown = await w.locator('.tokens .tok').allTextContents();
  expect(shown).toEqual(text.value.pieces.map(visibleText));

  // Layer 1 and the last layer: each label is the first choice of the engine's routing in Node.
  const trace = await lm.core.lmTrace(lm.info.id, all);
  if (!trace.ok) throw new Error(trace.error);
  const r = trace.value.routing;
  const firstChoice = (l: number) => all.map((_, t) => `E${r.topk_ids[(l * all.length + t) * r.top_k]}`);
  await expect(w.locator('.tokens .ex')).toHaveText(firstChoice(0));
  await w.getByRole('combobox').selectOption({ value: String(lm.info.num_hidden_layers - 1) });
  await expect(w.locator('.tokens .ex')).toHaveText(firstChoice(lm.info.num_hidden_layers - 1));

  // Focus a token (Tab): its router probabilities and gates in every layer.
  const token = w.locator('[data-token="3"]');
  for (let i = 0; i < 60 && !(await token.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(token).toBeFocused();
  const detail = w.locator('.detail');
  await expect(detail.locator('tbody tr')).toHaveCount(lm.info.num_hidden_layers);
  await expect(detail.locator('tbody tr').first().locator('td')).toHaveCount(lm.info.num_local_experts);
  await expect(detail.locator('td.chosen').first()).toContainText('gate');

  await widgetScreenshots(page, 'meet-the-lm-explorer', w);
});

test('bad prompts get a plain message and break nothing; Cancel stops a stream', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`/#/lesson/${lesson.id}`);
  await modelReady(page, 'lm-explorer');
  const w = explorer(page);
  const box = w.getByLabel('Prompt');

  await box.fill('');
  await w.locator('[data-control="generate"]').click();
  await expect(w.getByRole('alert')).toHaveText('The prompt is empty: type a few words for the model to continue.');

  await box.fill('word '.repeat(20_000));
  await w.locator('[data-control="generate"]').click();
  await expect(w.getByRole('alert')).toContainText(`this model reads at most ${lm.info.max_position_embeddings} tokens`);

  await box.fill('tab\there\u0007 Ελλά 中文 🙂');
  await w.locator('[data-control="generate"]').click();
  await expect(w).toHaveAttribute('data-run', 'done', { timeout: 60_000 });
  await expect(w.getByRole('alert')).toHaveCount(0);

  // Cancel right after the start, before the first chunk comes back from the worker.
  await box.fill('And it came to pass');
  await w.evaluate((el) => {
    (el.querySelector('[data-control="generate"]') as HTMLButtonElement).click();
    setTimeout(() => (el.querySelector('[data-control="cancel"]') as HTMLButtonElement).click(), 0);
  });
  await expect(w).toHaveAttribute('data-run', 'cancelled');
  expect(await w.locator('.tokens li.generated').count()).toBeLessThan(params.max_new_tokens);
  // A new run after Cancel works.
  await w.locator('[data-control="generate"]').click();
  await expect(w).toHaveAttribute('data-run', 'done', { timeout: 60_000 });
});

test('the size table is the engine’s reading of the checkpoint', async ({ page }) => {
  await page.goto(`/#/lesson/${lesson.id}/scale`);
  await expect(page.locator('[data-widget="lm-scale"]')).toHaveCount(1);
  await modelReady(page, 'lm-scale');
  const s = page.locator('[data-widget="lm-scale"]');
  await expect(s.locator('[data-size="layers"]')).toHaveText(String(lm.info.num_hidden_layers));
  await expect(s.locator('[data-size="experts"]')).toHaveText(String(lm.info.num_local_experts));
  await expect(s.locator('[data-size="top_k"]')).toHaveText(String(lm.info.num_experts_per_tok));
  await expect(s.locator('[data-size="total"]')).toHaveText(lm.info.total_params.toLocaleString('en'));
  await expect(s.locator('[data-size="active"]')).toHaveText(lm.info.active_params.toLocaleString('en'));
  await expect(s.locator('[data-size="context"]')).toHaveText(lm.info.max_position_embeddings.toLocaleString('en'));
  await widgetScreenshots(page, 'meet-the-lm-scale', s);
});

test('a failed model download says why and retries; the rest of the course keeps working', async ({ page }) => {
  test.setTimeout(120_000);
  let fail = true;
  await page.route('**/models/moe-lm/model.safetensors', (route) => (fail ? route.fulfill({ status: 503, body: '' }) : route.fallback()));
  // The failed request itself is logged by the browser as a console error; that one is expected.
  page.removeAllListeners('console');
  await page.goto(`/#/lesson/${lesson.id}`);
  const w = explorer(page);
  await expect(w.getByRole('alert')).toContainText('The model could not be loaded: model.safetensors: HTTP 503');
  // The first lesson of the course still works while this one has failed.
  await page.goto('/#/lesson/dense-cost');
  await expect(page.locator('.engine-status')).toHaveText('Engine ready');
  await page.goto(`/#/lesson/${lesson.id}`);
  await expect(explorer(page).getByRole('alert')).toContainText('model.safetensors: HTTP 503');
  fail = false;
  await explorer(page).getByRole('button', { name: 'Try again' }).click();
  await modelReady(page, 'lm-explorer');
  await expect(explorer(page).locator('[data-control="generate"]')).toBeEnabled();
});
