// Issue #21: the course opens with its text already there, works offline after the first visit,
// updates cleanly to a new deployment, and runs from any static host. Each test says which server
// it uses: scripts/serve.mjs (headers as `npm start` sends them) or a plain static host
// (static-host.ts: no headers at all, like GitHub Pages).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect, shot, seriousA11yViolations } from './fixtures';
import { serveStatic } from './static-host';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distDir = path.resolve(repo, process.env.MOE_DIST_DIR ?? 'dist');
const titleOf = (id: string) => /^title: *"?(.*?)"?$/m.exec(fs.readFileSync(path.join(repo, `lessons/${id}.md`), 'utf8'))![1];

async function engineLine(page: Page, about: string) {
  await expect(page.locator('.engine-status')).toHaveText('Engine ready', { timeout: 30_000 });
  await expect(page.locator('.engine-about')).toHaveText(about, { timeout: 30_000 });
}

/** Every number the expert-FFN widget ("an expert is an FFN") shows, in page order. */
async function expertFfnNumbers(page: Page): Promise<string[]> {
  const widget = page.locator('[data-widget="expert-ffn"]').first();
  await expect(widget.locator('[data-out]').first()).not.toBeEmpty();
  return widget.locator('[data-hidden], [data-out]').allInnerTexts();
}

/** Waits until the service worker has installed (precache complete) and is active for this page's scope. */
async function offlineReady(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
}

/** Records CSP violations from before the page's first script. */
async function watchCsp(context: BrowserContext) {
  await context.addInitScript(() => {
    (window as unknown as { cspViolations: string[] }).cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`),
    );
  });
}
const cspViolations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

test('with JavaScript off, a lesson page shows its text, formulas and checks', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto('/lesson/gating-logits/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(titleOf('gating-logits'));
    await expect(page).toHaveTitle(`${titleOf('gating-logits')} · MoE Tutor`);
    // Every step's prose is there, with its formulas typeset (KaTeX HTML) and its checks.
    const steps = page.locator('section.step');
    expect(await steps.count()).toBeGreaterThan(1);
    await expect(page.locator('.prose').first()).toContainText(/\w{4,}/);
    expect(await page.locator('.prose .katex, .formula .katex').count()).toBeGreaterThan(0);
    await expect(page.locator('.check .question').first()).toContainText(/\?/);
    expect(await page.locator('.check .option').count()).toBeGreaterThan(1);
    // Links go to the other lessons' own pages.
    await expect(page.locator('a[rel="next"]')).toHaveAttribute('href', /^\.\.\/\.\.\/lesson\/[a-z0-9-]+\/$/);
    await shot(page, 'offline-no-javascript');
  } finally {
    await context.close();
  }
});

test('nothing holds back the first paint: no parser-blocking script, the theme set inline before the stylesheet, no code but the entry before it', async ({ page, context }) => {
  const pages: Record<string, string> = {};
  for (const address of ['/', '/lesson/dense-cost/']) {
    const html = (pages[address] = await (await page.request.get(address)).text());
    const head = /<head>([\s\S]*)<\/head>/.exec(html)![1];
    const body = /<body>([\s\S]*)<\/body>/.exec(html)![1];
    // A classic <script src> would stop the parser, and so everything behind it, until it has
    // downloaded and run.
    const external = [...html.matchAll(/<script\b[^>]*\bsrc=[^>]*>/g)].map((m) => m[0]);
    expect(external.length, address).toBeGreaterThan(0);
    for (const tag of external) expect(tag, address).toMatch(/type="module"|\basync\b|\bdefer\b/);
    // The one inline script sets the theme. It comes before the stylesheet, so it runs at once
    // (a script after a stylesheet waits for it) and no frame is painted without the theme.
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
    expect(inline.map((m) => m[1].includes('moe-tutor:theme')), address).toEqual([true]);
    expect(head.indexOf('<script>'), address).toBeLessThan(head.indexOf('<link rel="stylesheet"'));
    expect(body, address).not.toContain('<script');
  }
  // It does its job under the strict CSP (allowed by its hash): a stored dark theme is the page's
  // theme from the start, and nothing is blocked.
  await watchCsp(context);
  await page.addInitScript(() => localStorage.setItem('moe-tutor:theme', 'dark'));
  await page.goto('/lesson/dense-cost/');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.locator('.engine-status')).toHaveText('Engine ready', { timeout: 30_000 });
  expect(await cspViolations(page)).toEqual([]);
  // Before the text is on screen the page asks for no code but what its HTML names (the small
  // entry): the engine and the player start after the first contentful paint (web/src/main.ts).
  const named = [...pages['/lesson/dense-cost/'].matchAll(/(?:src|href)="[^"]*\/(assets\/[^"]+\.m?js)"/g)].map((m) => `/${m[1]}`);
  const early = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0].startTime;
    const code = performance.getEntriesByType('resource').filter((e) => /\.(m?js|wasm)$/.test(new URL(e.name).pathname));
    return { before: code.filter((e) => e.startTime < fcp).map((e) => new URL(e.name).pathname), after: code.filter((e) => e.startTime >= fcp).length };
  });
  expect(named.length).toBeGreaterThan(0);
  expect(early.before.filter((file) => !named.includes(file)), 'code requested before the first paint').toEqual([]);
  expect(early.after, 'code requested after the first paint').toBeGreaterThan(0);
});

test('the player takes over only after the prerendered text has been painted', async ({ page }) => {
  // The page's largest contentful paint is the prerendered text, painted before the player
  // replaced it, not the player's own render of the same text afterwards.
  type Seen = { lcp: number[]; takeover: number | null };
  await page.addInitScript(() => {
    const seen: Seen = { lcp: [], takeover: null };
    (window as unknown as { seen: Seen }).seen = seen;
    new PerformanceObserver((list) => seen.lcp.push(...list.getEntries().map((e) => e.startTime))).observe({ type: 'largest-contentful-paint', buffered: true });
    // The player removes #app's data-prerendered as it replaces the prerendered text.
    new MutationObserver(() => {
      if (seen.takeover === null && document.getElementById('app')?.hasAttribute('data-prerendered') === false) seen.takeover = performance.now();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-prerendered'] });
  });
  for (const address of ['/', '/lesson/expert-is-ffn/']) {
    await page.goto(address);
    await expect(page.locator('.engine-status')).toHaveText('Engine ready', { timeout: 30_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: Seen }).seen);
    expect(seen.takeover, address).not.toBeNull();
    expect(seen.lcp.length, address).toBeGreaterThan(0);
    expect(Math.max(...seen.lcp), address).toBeLessThan(seen.takeover!);
  }
});

test('offline after the first visit: reload, two other lessons, and the engine gives the online numbers', async ({ page, context }) => {
  test.setTimeout(120_000);
  const idleNumbers = async () => {
    const widget = page.locator('[data-widget="idle-heatmap"]').first();
    await expect(widget.locator('[data-summary]')).toBeVisible();
    return [await widget.locator('[data-summary]').innerText(), ...(await widget.locator('[data-load]').allInnerTexts())];
  };
  await page.goto('/lesson/expert-is-ffn/');
  await engineLine(page, 'wasm SIMD, 2 threads');
  const ffnOnline = await expertFfnNumbers(page);
  expect(ffnOnline.length).toBeGreaterThan(4);
  await page.goto('/lesson/idle-experts/');
  await engineLine(page, 'wasm SIMD, 2 threads');
  const idleOnline = await idleNumbers();
  expect(idleOnline.length).toBeGreaterThan(4);
  await offlineReady(page);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(titleOf('idle-experts'));
  await engineLine(page, 'wasm SIMD, 2 threads');
  expect(await idleNumbers()).toEqual(idleOnline);

  // Two other lessons: one reached in place through the map, one loaded as a new page.
  await page.getByRole('link', { name: 'MoE Tutor' }).click();
  await page.locator('a.lesson-card[data-lesson="expert-is-ffn"]').click();
  await expect(page).toHaveURL(/\/lesson\/expert-is-ffn\/$/);
  expect(await expertFfnNumbers(page)).toEqual(ffnOnline);
  await page.goto('/lesson/dense-cost/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(titleOf('dense-cost'));
  await engineLine(page, 'wasm SIMD, 2 threads');
  await expect(page.locator('[data-widget="param-budget"]').first()).toContainText(/\d/);
  expect(await seriousA11yViolations(page)).toEqual([]);
  await shot(page, 'offline-dense-cost');
  await context.setOffline(false);
});

test('plain static host, no headers: CSP from the meta tag, 1 thread on the first visit, 2 from the next load, same numbers', async ({ page, context, pageErrors }) => {
  test.setTimeout(120_000);
  const host = await serveStatic(distDir);
  try {
    await watchCsp(context);
    await page.goto(`${host.url}lesson/expert-is-ffn/`);
    // No header came with the page: the policy in force is the meta tag's. Prove it is enforced.
    const response = await page.request.get(`${host.url}lesson/expert-is-ffn/`);
    expect(response.headers()['content-security-policy']).toBeUndefined();
    await engineLine(page, 'wasm SIMD, 1 thread');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    const first = await expertFfnNumbers(page);
    expect(await cspViolations(page)).toEqual([]);
    // The policy is in force: an inline script is refused (and reported, once: not an error of the course).
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.head.append(script);
      return 'inlineRan' in window;
    });
    expect(ran).toBe(false);
    await expect.poll(() => cspViolations(page)).toEqual(['script-src-elem blocked inline']);
    await page.evaluate(() => ((window as unknown as { cspViolations: string[] }).cspViolations = []));

    // The service worker adds COOP/COEP (and the CSP header) from the next load on.
    await offlineReady(page);
    await page.reload();
    await engineLine(page, 'wasm SIMD, 2 threads');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await expertFfnNumbers(page)).toEqual(first);
    expect(await cspViolations(page)).toEqual([]);
    await shot(page, 'static-host-threads');
    // The one console error the test caused on purpose (the refused inline script) is not the course's.
    const deliberate = pageErrors.filter((e) => /inline script violates the following Content Security Policy directive 'script-src/.test(e));
    expect(deliberate).toHaveLength(1);
    pageErrors.splice(pageErrors.indexOf(deliberate[0]), 1);
  } finally {
    await host.close();
  }
});

test('stored progress and old #/lesson links carry over to the per-lesson pages', async ({ page }) => {
  // Progress as the hash-routed player stored it: keys are lesson ids, the last place a hash route.
  await page.goto('/');
  await page.evaluate(() =>
    localStorage.setItem(
      'moe-tutor:progress',
      JSON.stringify({
        version: 1,
        lessons: {
          'dense-cost': { reached: 3, answers: {}, solved: [], goals: [], completed: true },
          'top2-cut': { reached: 2, answers: {}, solved: [], goals: [], completed: false },
        },
        last: { lessonId: 'top2-cut', hash: '#/lesson/top2-cut/softmax?token=4' },
      }),
    ),
  );
  await page.reload();
  await expect(page.locator('a.lesson-card[data-lesson="dense-cost"]')).toHaveAttribute('data-status', 'done');
  const resume = page.getByRole('link', { name: 'Continue where you left off' });
  await expect(resume).toHaveAttribute('href', '/lesson/top2-cut/#softmax?token=4');
  await resume.click();
  await expect(page).toHaveURL(/\/lesson\/top2-cut\/#softmax\?token=4$/);
  await expect(page.locator('section.step')).toHaveCount(2); // the two steps reached before
  // An old link opens the lesson's own page with the same progress.
  await page.goto('/#/lesson/dense-cost');
  await expect(page).toHaveURL(/\/lesson\/dense-cost\/$/);
  await expect(page.locator('.lesson-header .meta')).toContainText('completed');
  await page.reload(); // a real load of the lesson's page
  await expect(page.locator('.lesson-header .meta')).toContainText('completed');
});

/** `wasm` with a custom section appended (valid wasm, same code, different bytes: a new build's hash). */
function markedWasm(wasm: Buffer, mark: string): Buffer {
  const name = Buffer.from('moe-tutor-build');
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(mark)]);
  return Buffer.concat([wasm, Buffer.from([0, payload.length]), payload]); // id 0, size < 128: one LEB128 byte
}

/** A second deployment: the same sources built against engine builds (the layer engine and the language model's module) whose wasm differs by a custom section. */
function buildDeploymentB(): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-deploy-b-'));
  const sources = {
    wasm: path.resolve(process.env.MOE_WASM_DIR ?? path.join(repo, 'build/wasm')),
    'wasm-mt': path.resolve(process.env.MOE_WASM_MT_DIR ?? path.join(repo, 'build/wasm-mt')),
  };
  for (const [name, from] of Object.entries(sources)) {
    fs.mkdirSync(path.join(work, name));
    for (const file of fs.readdirSync(from).filter((f) => /^moe_(engine|lm)\.(mjs|worker\.js|wasm)$/.test(f))) {
      const bytes = fs.readFileSync(path.join(from, file));
      fs.writeFileSync(path.join(work, name, file), file.endsWith('.wasm') ? markedWasm(bytes, 'B') : bytes);
    }
  }
  const out = path.join(work, 'dist');
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: repo,
    env: { ...process.env, MOE_WASM_DIR: path.join(work, 'wasm'), MOE_WASM_MT_DIR: path.join(work, 'wasm-mt') },
    stdio: 'ignore',
  });
  return out;
}

const wasmFiles = (dist: string) => fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.wasm'));
const entryScript = (dist: string) => /<script type="module" crossorigin src="\.\/(assets\/index-[^"]+\.js)"/.exec(fs.readFileSync(path.join(dist, 'index.html'), 'utf8'))![1];

test('deploy A, visit, deploy B: the update prompt, and after accepting it the page and the engine are B', async ({ page }) => {
  test.setTimeout(300_000);
  const distB = buildDeploymentB();
  expect(wasmFiles(distB).some((f) => wasmFiles(distDir).includes(f)), 'B has its own wasm files').toBe(false);
  const host = await serveStatic(distDir);
  try {
    await page.goto(`${host.url}lesson/expert-is-ffn/`);
    await engineLine(page, 'wasm SIMD, 1 thread');
    const numbers = await expertFfnNumbers(page);
    await offlineReady(page);
    await page.reload(); // now under A's service worker
    await engineLine(page, 'wasm SIMD, 2 threads');

    host.deploy(distB);
    await page.reload(); // a visit: the browser checks for a new service worker, which installs and waits
    const prompt = page.locator('[data-notice="update"]');
    await expect(prompt).toContainText('A new version of the course is ready', { timeout: 60_000 });
    // Until the learner accepts, this page is still A, whole.
    expect(await page.evaluate(() => document.querySelector<HTMLScriptElement>('script[type="module"]')!.getAttribute('src'))).toBe(`../../${entryScript(distDir)}`);
    await shot(page, 'update-prompt');

    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Update now' }).click()]);
    await engineLine(page, 'wasm SIMD, 2 threads');
    expect(await page.evaluate(() => document.querySelector<HTMLScriptElement>('script[type="module"]')!.getAttribute('src'))).toBe(`../../${entryScript(distB)}`);
    expect(await expertFfnNumbers(page)).toEqual(numbers);
    // The engine that answered is B's: its wasm was fetched, and none of A's.
    const wasmRequested = requested.filter((p) => p.endsWith('.wasm')).map((p) => path.basename(p));
    expect(wasmRequested.length).toBeGreaterThan(0);
    expect(wasmRequested.every((f) => wasmFiles(distB).includes(f)), wasmRequested.join(', ')).toBe(true);
    await expect(prompt).toHaveCount(0);
  } finally {
    await host.close();
    fs.rmSync(path.dirname(distB), { recursive: true, force: true });
  }
});
