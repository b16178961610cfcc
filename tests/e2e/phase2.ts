// Shared by the Phase 2 specs: the five lessons as the build sees them, the
// wasm engine run here in Node for expected numbers, and page helpers.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';
import { loadCourseFrom } from '../../web/lesson-plugin';
import type { Lesson } from '../../web/src/lessons/types';
import type { TokenWalkParams } from '../../web/src/widgets/token-walk/params';
import type { EngineCore } from '../../web/src/engine/core';

export const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

export const course = loadCourseFrom(root('lessons')).course;
export const phase2: Lesson[] = course.phases.find((p) => p.id === 'one-token')!.lessons.map((l) => course.lessons[l.id]);
export const firstWidget = (lesson: Lesson, name: string) =>
  lesson.steps.flatMap((s) => s.blocks).find((b) => b.kind === 'widget' && b.name === name) as { params: Record<string, unknown> };
export const walkParams = firstWidget(phase2[0], 'token-walk').params as TokenWalkParams;

/** The engine, in Node, from a wasm build folder (by default the worktree's own build). */
export async function loadEngine(wasmDir = root('build/wasm')): Promise<EngineCore> {
  // Emscripten 3.1.6's ES module wants `__dirname` and `require` under Node (see core.ts).
  const g = globalThis as Record<string, unknown>;
  g.__dirname ??= wasmDir;
  g.require ??= createRequire(`${wasmDir}/moe_engine.mjs`);
  const { EngineCore } = await import('../../web/src/engine/core');
  return EngineCore.load({ wasmBinary: fs.readFileSync(`${wasmDir}/moe_engine.wasm`) });
}

/** Lesson HTML → the text a learner reads (tags dropped, entities decoded). */
export const decode = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The text of the correct option of a step's check, as the lesson file defines it. */
export function rightAnswer(lesson: Lesson, stepId: string): string {
  const check = lesson.steps.find((s) => s.id === stepId)!.blocks.find((b) => b.kind === 'check');
  if (check?.kind !== 'check') throw new Error(`step ${stepId} has no check`);
  return decode(check.options.find((o) => o.correct)!.html);
}
export function wrongAnswer(lesson: Lesson, stepId: string): string {
  const check = lesson.steps.find((s) => s.id === stepId)!.blocks.find((b) => b.kind === 'check');
  if (check?.kind !== 'check') throw new Error(`step ${stepId} has no check`);
  return decode(check.options.find((o) => !o.correct)!.html);
}

export const stepSection = (page: Page, stepId: string) => page.locator(`section[data-step="${stepId}"]`);
export const walkWidget = (page: Page, stage: string) => page.locator(`[data-widget="token-walk"][data-stage="${stage}"]`);

/** Keyboard only: Tab (or Shift+Tab) until `target` has focus, then press `key`. */
export async function tabTo(page: Page, target: Locator, key: 'Enter' | 'Space' = 'Enter', backwards = false) {
  for (let i = 0; i < 200; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      await page.keyboard.press(key);
      return;
    }
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`could not reach ${target} with the Tab key`);
}

export async function engineReady(page: Page) {
  await expect(page.locator('.engine-status')).toHaveText('Engine ready');
}
