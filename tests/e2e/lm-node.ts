// The language model in Node for the Phase 5 specs: the same wasm build the page runs
// (MOE_WASM_DIR or build/wasm: moe_engine and moe_lm), the shipped checkpoints and the held-out
// corpus the build ships (build/lm-corpus), so a spec can compute what the page should show and
// compare; walking a lesson's steps, since each step (with its widgets) appears once the one
// before is answered; and a widget's text box with the texts it must refuse.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineCore } from '../../web/src/engine/core';
import type { LmFiles, LmInfo } from '../../web/src/engine/lm-types';
import { expect, type Locator, type Page } from '@playwright/test';
import type { Lesson } from '../../web/src/lessons/types';
import { openLesson } from './lesson-page';
import { rightAnswer, root, stepSection, tabTo } from './phase2';

/** The wasm build the page under test was built with (vite reads the same variable). */
const wasmDir = process.env.MOE_WASM_DIR ?? root('build/wasm');

/** A module of that build, imported by file URL. */
async function wasmModule(name: string) {
  return import(/* @vite-ignore */ pathToFileURL(path.join(wasmDir, name)).href);
}

/** EngineCore with the language model's module loaded, both from that build. */
export async function loadLmEngine(): Promise<EngineCore> {
  const g = globalThis as Record<string, unknown>;
  g.__dirname ??= wasmDir;
  g.require ??= createRequire(`${wasmDir}/moe_engine.mjs`);
  const { EngineCore } = await import('../../web/src/engine/core');
  const core = await EngineCore.load({
    wasmBinary: fs.readFileSync(`${wasmDir}/moe_engine.wasm`),
    create: (await wasmModule('moe_engine.mjs')).default,
    lm: async () => (await wasmModule('moe_lm.mjs')).default({ wasmBinary: fs.readFileSync(`${wasmDir}/moe_lm.wasm`) }),
  });
  const ready = await core.ensureLm();
  if (!ready.ok) throw new Error(ready.error);
  return core;
}

/** A shipped model folder (web/public/models/<name>) loaded into `core`. */
export function loadShipped(core: EngineCore, name: 'moe-lm' | 'dense-lm'): LmInfo {
  const dir = root(`web/public/models/${name}`);
  const files: LmFiles = {
    config: fs.readFileSync(path.join(dir, 'config.json'), 'utf8'),
    safetensors: new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors'))),
    tokenizer: fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'),
  };
  const r = core.lmLoad(files);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The held-out text of each domain, in the order the page gets them (the corpus index's). */
export function heldoutTexts(): { name: string; text: string }[] {
  const dir = root('build/lm-corpus');
  const order = ['prose', 'code', 'arithmetic'];
  const names = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'heldout.txt')));
  names.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  return names.map((name) => ({ name, text: fs.readFileSync(path.join(dir, name, 'heldout.txt'), 'utf8') }));
}

export function value<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The right answer of a step's check, then Continue (or Finish lesson); by keyboard when `keyboard`. */
export async function answerAndContinue(page: Page, lesson: Lesson, stepId: string, keyboard = false) {
  const section = stepSection(page, stepId);
  const right = section.getByRole('button', { name: rightAnswer(lesson, stepId), exact: true });
  const next = section.getByRole('button', { name: lesson.steps.at(-1)!.id === stepId ? 'Finish lesson' : 'Continue', exact: true });
  if (keyboard) await tabTo(page, right);
  else await right.click();
  await expect(section.locator('.check .feedback.good')).toBeVisible();
  if (keyboard) await tabTo(page, next);
  else await next.click();
}

/** Answers every step's check before `stepId`, so that step (and its widget) is on the page. */
export async function reach(page: Page, lesson: Lesson, stepId: string) {
  for (const step of lesson.steps) {
    if (step.id === stepId) break;
    await answerAndContinue(page, lesson, step.id);
  }
  await expect(stepSection(page, stepId)).toBeVisible();
}

/** Opens `lesson` and reaches `stepId`; then the text box of `widget` there, once its model is in. */
export async function textBoxAt(page: Page, lesson: Lesson, stepId: string, widget: Locator): Promise<Locator> {
  await openLesson(page, lesson);
  await reach(page, lesson, stepId);
  const box = widget.locator('textarea');
  await expect(box).toBeVisible({ timeout: 60_000 });
  return box;
}

/** A text a widget must refuse, and its message: the whole message, or (`part`) a piece of it. */
export type BadText = { text: string; message: string; part?: true };

/** Each bad text typed into `box` and sent with `send` shows its message in `error`. */
export async function checkBadTexts(box: Locator, send: Locator, error: Locator, cases: BadText[]) {
  for (const c of cases) {
    await box.fill(c.text);
    await send.click();
    if (c.part) await expect(error).toContainText(c.message);
    else await expect(error).toHaveText(c.message);
  }
}
