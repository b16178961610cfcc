// Threads in the page: served with COOP/COEP (cross-origin isolated) the engine loads its threaded
// build and says "2 threads"; served without those two headers (same files, same CSP, through a
// small proxy here that drops them) it loads the plain build and says "1 thread". A lesson
// widget shows exactly the same numbers either way.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { test, expect, shot, seriousA11yViolations } from './fixtures';

const ISOLATION_HEADERS = ['cross-origin-opener-policy', 'cross-origin-embedder-policy'];

/** Serves `upstream` on a free local port, minus the COOP/COEP headers. */
async function withoutIsolation(upstream: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    try {
      const answer = await fetch(new URL(req.url ?? '/', upstream));
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        // fetch has already decompressed the body, so its encoding and length no longer apply.
        if (!ISOLATION_HEADERS.includes(name) && name !== 'content-encoding' && name !== 'content-length') headers[name] = value;
      });
      res.writeHead(answer.status, headers);
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The engine line of the header once it says `about`, and whether the page is isolated. The
 * threaded build answers on one thread until its pthread Workers have loaded, then says 2.
 */
async function engineLine(page: Page, about: string): Promise<{ isolated: boolean; about: string }> {
  await expect(page.locator('.engine-status')).toHaveText('Engine ready', { timeout: 30_000 });
  await expect(page.locator('.engine-about')).toHaveText(about, { timeout: 30_000 });
  return {
    isolated: await page.evaluate(() => crossOriginIsolated),
    about: await page.locator('.engine-about').innerText(),
  };
}

/** Every number the expert-FFN widget of the "expert is an FFN" lesson shows, in page order. */
async function expertFfnNumbers(page: Page): Promise<string[]> {
  const widget = page.locator('[data-widget="expert-ffn"]').first();
  await expect(widget.locator('[data-out]').first()).not.toBeEmpty();
  return widget.locator('[data-hidden], [data-out]').allInnerTexts();
}

test('cross-origin isolated page: the engine runs 2 threads, otherwise 1, with the same numbers', async ({ page, baseURL }) => {
  await page.goto('/#/lesson/expert-is-ffn');
  const isolated = await engineLine(page, 'wasm SIMD, 2 threads');
  expect(isolated).toEqual({ isolated: true, about: 'wasm SIMD, 2 threads' });
  const threaded = await expertFfnNumbers(page);
  expect(threaded.length).toBeGreaterThan(4);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'threads-isolated');
  // A layer big enough to be split across the two threads (the timing panel's layers) runs to the end.
  await page.goto('/#/lesson/dense-cost/timing');
  await expect(page.locator('.engine-about')).toHaveText('wasm SIMD, 2 threads', { timeout: 30_000 });
  const timing = page.locator('[data-widget="param-budget"][data-part="timing"]');
  await timing.getByRole('button', { name: 'Measure on this device' }).click();
  await expect(timing.locator('caption')).toContainText('Measured on this device', { timeout: 60_000 });
  expect(Number((await timing.locator('[data-row="moe"] [data-tps]').innerText()).replace(/\s/g, ''))).toBeGreaterThan(0);

  const plainServer = await withoutIsolation(baseURL!);
  try {
    await page.goto(`${plainServer.url}#/lesson/expert-is-ffn`);
    const plain = await engineLine(page, 'wasm SIMD, 1 thread');
    expect(plain).toEqual({ isolated: false, about: 'wasm SIMD, 1 thread' });
    expect(await expertFfnNumbers(page)).toEqual(threaded);
    await shot(page, 'threads-not-isolated');
  } finally {
    await plainServer.close();
  }
});
