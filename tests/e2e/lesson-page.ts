// Shared by the lesson specs that check widget numbers against the engine: a lesson parsed the way
// the build parses it, a widget's params, the engine from the build the page uses, opening a
// lesson, and the desktop / 375 px / dark screenshots with their accessibility checks.
import fs from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, shot, seriousA11yViolations } from './fixtures';
import { loadEngine, root } from './phase2';
import { parseLesson } from '../../web/src/lessons/parse';
import { parseGlossary } from '../../web/src/lessons/glossary';
import { renderInline } from '../../web/src/lessons/markdown';
import { widgetCatalog } from '../../web/src/widgets/catalog';
import type { Lesson } from '../../web/src/lessons/types';

const glossary = parseGlossary('lessons/glossary.yaml', fs.readFileSync(root('lessons/glossary.yaml'), 'utf8'), (md) => renderInline(md));

/** lessons/<id>.md with the widget catalog and the glossary, as the build sees it. */
export const loadLesson = (id: string): Lesson => parseLesson(`lessons/${id}.md`, fs.readFileSync(root(`lessons/${id}.md`), 'utf8'), widgetCatalog, glossary);

/** The params of the lesson's first widget block called `name`. */
export const paramsOf = <T>(lesson: Lesson, name: string): T =>
  (lesson.steps.flatMap((s) => s.blocks).find((b) => b.kind === 'widget' && b.name === name) as { params: unknown }).params as T;

/** The engine in Node from the wasm build the page under test uses (MOE_WASM_DIR when set). */
export const loadPageEngine = () => loadEngine(process.env.MOE_WASM_DIR ?? root('build/wasm'));

/** An engine result's value, or a thrown error with the engine's message. */
export const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

/** Open a lesson (with an optional `?query`) and wait for its title and the engine. */
export async function openLesson(page: Page, lesson: Lesson, query = '') {
  await page.goto(`/#/lesson/${lesson.id}${query}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(lesson.title);
  await expect(page.locator('.engine-status')).toHaveText('Engine ready');
}

/**
 * At 375 px, then in the dark theme: no sideways page scroll, no serious axe violation, and the
 * screenshots <name>-375 and <name>-375-dark, of `target` alone or (`fullPage`) of the page; then
 * back to 1280 px and the light theme.
 */
export async function narrowAndDarkChecks(page: Page, name: string, target: Locator, fullPage = false) {
  const capture = (file: string) => (fullPage ? shot(page, file) : target.screenshot({ path: root(`tests/e2e/screenshots/${file}.png`) }));
  await page.setViewportSize({ width: 375, height: 800 });
  await target.scrollIntoViewIfNeeded();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no sideways page scroll at 375 px').toBeLessThanOrEqual(0);
  // A wide table scrolls sideways in its box, but its caption wraps at the box's visible width.
  const captionOverflow = await target.evaluate((el) =>
    Math.max(
      0,
      ...[...el.querySelectorAll('.table-scroll caption')].map((c) => {
        const box = c.closest('.table-scroll')!.getBoundingClientRect();
        return (c.querySelector('.caption-text') ?? c).getBoundingClientRect().right - box.right;
      }),
    ),
  );
  expect(captionOverflow, 'every table caption readable without scrolling at 375 px').toBeLessThanOrEqual(1);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await capture(`${name}-375`);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await seriousA11yViolations(page)).toEqual([]);
  await capture(`${name}-375-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 860 });
}

/** screenshots/<name>-desktop (full page) with no serious axe violation, then narrowAndDarkChecks of `target`. */
export async function widgetScreenshots(page: Page, name: string, target: Locator) {
  await target.scrollIntoViewIfNeeded();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, `${name}-desktop`);
  await narrowAndDarkChecks(page, name, target);
}
