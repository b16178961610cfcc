// Shared by the Phase 5 lesson specs: the language model in Node, from the same wasm build and
// the same shipped checkpoint the page loads, to check the page's numbers against; and the native
// CLI (MOE_NATIVE_DIR or build/native) for generation.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from '@playwright/test';
import type { EngineCore } from '../../web/src/engine/core';
import type { LmInfo } from '../../web/src/engine/lm-types';
import { root } from './phase2';
import { expect } from './fixtures';

export const shippedMoe = root('web/public/models/moe-lm');

/** An EngineCore with the shipped MoE model loaded, from MOE_WASM_DIR or build/wasm. */
export async function loadLmCore(): Promise<{ core: EngineCore; info: LmInfo }> {
  const wasmDir = process.env.MOE_WASM_DIR ?? root('build/wasm');
  const g = globalThis as Record<string, unknown>;
  g.__dirname ??= wasmDir;
  g.require ??= createRequire(`${wasmDir}/moe_engine.mjs`);
  const { EngineCore } = await import('../../web/src/engine/core');
  const lm = async () => {
    const { default: create } = (await import(pathToFileURL(path.join(wasmDir, 'moe_lm.mjs')).href)) as { default: (o: { wasmBinary: Uint8Array }) => Promise<never> };
    return create({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'moe_lm.wasm')) });
  };
  const core = await EngineCore.load({ wasmBinary: fs.readFileSync(`${wasmDir}/moe_engine.wasm`), lm });
  const ready = await core.ensureLm();
  if (!ready.ok) throw new Error(ready.error);
  const loaded = core.lmLoad({
    config: fs.readFileSync(path.join(shippedMoe, 'config.json'), 'utf8'),
    safetensors: new Uint8Array(fs.readFileSync(path.join(shippedMoe, 'model.safetensors'))),
    tokenizer: fs.readFileSync(path.join(shippedMoe, 'tokenizer.json'), 'utf8'),
  });
  if (!loaded.ok) throw new Error(loaded.error);
  return { core, info: loaded.value };
}

/** `moe lm generate` on the shipped model: the new token ids. */
export function cliGenerate(promptIds: number[], maxNew: number, sampling?: { temperature: number; top_p: number; seed: number }): number[] {
  const dir = process.env.MOE_NATIVE_DIR ? path.resolve(process.env.MOE_NATIVE_DIR) : root('build/native');
  const args = ['lm', 'generate', shippedMoe, '--prompt-ids', promptIds.join(','), '--max-new-tokens', String(maxNew)];
  if (sampling) args.push('--temperature', String(sampling.temperature), '--top-p', String(sampling.top_p), '--seed', String(sampling.seed));
  else args.push('--greedy');
  return (JSON.parse(execFileSync(path.join(dir, 'moe'), args, { encoding: 'utf8' })) as { tokens: number[] }).tokens;
}

/** Waits until the lesson's first model gate has loaded the model (the download is a few MB). */
export async function modelReady(page: Page, widget: string) {
  await expect(page.locator(`[data-widget="${widget}"]`).first().locator('[data-lm-load]')).toHaveCount(0, { timeout: 60_000 });
}
