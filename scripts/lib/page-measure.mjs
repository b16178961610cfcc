// Measures the production page as a learner gets it from `npm start` (scripts/serve.mjs): what the
// first lesson transfers, when it becomes interactive, and the longest main-thread task during a
// training run. Shared by the benchmark (bench/run.mjs, section `page`) and the size test
// (tests/e2e/page-weight.spec.ts), so both count the same way.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The first lesson of the path (lessons/path.yaml) and the lesson with the training demo. */
export const FIRST_LESSON = 'dense-cost';
export const TRAINING_LESSON = 'expert-collapse';
/** "Interactive": the first widget of the first lesson shows a number computed by the engine. */
const FIRST_ENGINE_NUMBER = '[data-widget="param-budget"] [data-total]';
const INTERACTIVE_MESSAGE = 'moe-tutor: first engine number shown';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts scripts/serve.mjs on a free port for the build in `distDir`; resolves to { url, stop }. */
export async function startServe(distDir) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repo, 'scripts/serve.mjs')], {
    cwd: repo,
    env: { ...process.env, PORT: String(port), MOE_DIST_DIR: path.resolve(repo, distDir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise((resolve, reject) => {
    const onData = (c) => {
      log += c;
      if (log.includes('is running at')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`scripts/serve.mjs exited (${code}):\n${log}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

/** The bucket a response counts in. */
export function resourceKind(url) {
  const ext = path.extname(new URL(url).pathname).toLowerCase();
  if (ext === '.wasm') return 'wasm';
  if (ext === '.js' || ext === '.mjs') return 'js';
  if (ext === '.css') return 'css';
  if (['.woff2', '.woff', '.ttf', '.otf'].includes(ext)) return 'font';
  return 'other';
}

/**
 * Opens the first lesson in a fresh context of `browser` (empty cache) and returns
 * { transfer_bytes, by_kind: {wasm, js, css, font, other}, files: [{url, kind, bytes}], interactive_ms }.
 * Bytes are what crossed the wire as Resource Timing reports it (`transferSize`: the encoded,
 * i.e. compressed, body plus response headers), for the document and every resource of the page
 * and of its workers (the engine worker fetches the wasm), once the network is idle (fonts
 * included). interactive_ms: from navigation start to the first engine number on screen.
 */
export async function measureFirstLesson(browser, baseUrl) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(({ selector, message }) => {
      // Record the moment the first engine number appears, from inside the page.
      const seen = () => {
        const el = document.querySelector(selector);
        if (el && /\d/.test(el.textContent ?? '')) {
          window.__moeInteractiveMs = performance.now();
          console.debug(message);
          return true;
        }
        return false;
      };
      new MutationObserver((_, obs) => seen() && obs.disconnect()).observe(document, { subtree: true, childList: true, characterData: true });
    }, { selector: FIRST_ENGINE_NUMBER, message: INTERACTIVE_MESSAGE });
    // Told by a console message, not by page.waitForFunction: its polling script, injected into
    // the page while it loads, costs the page's main thread ~20 ms that a learner's page does not spend.
    const interactive = page.waitForEvent('console', { predicate: (m) => m.text() === INTERACTIVE_MESSAGE, timeout: 60_000 });
    await page.goto(`${baseUrl}lesson/${FIRST_LESSON}/`);
    await interactive;
    await page.waitForLoadState('networkidle');
    const interactive_ms = await page.evaluate(() => window.__moeInteractiveMs);
    // Playwright's per-request sizes miss worker scripts' bodies; Resource Timing does not.
    const entries = () =>
      performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
        .map((e) => ({ url: e.name, bytes: e.transferSize }));
    const lists = [await page.evaluate(entries)];
    // A pthread Worker of the threaded engine may sit blocked in Atomics.wait and never answer;
    // what it fetched (its script) is already in the engine worker's list, so skip it after 3 s.
    const answerOrNothing = (worker) =>
      Promise.race([worker.evaluate(entries), new Promise((resolve) => setTimeout(() => resolve([]), 3000))]);
    for (const worker of page.workers()) lists.push(await answerOrNothing(worker));
    const files = lists.flat().filter((f) => f.bytes > 0).map((f) => ({ ...f, kind: resourceKind(f.url) }));
    const by_kind = { wasm: 0, js: 0, css: 0, font: 0, other: 0 };
    for (const f of files) by_kind[f.kind] += f.bytes;
    const transfer_bytes = Object.values(by_kind).reduce((a, b) => a + b, 0);
    return { transfer_bytes, by_kind, files, interactive_ms };
  } finally {
    await context.close();
  }
}

/** The longest top-level task of the renderer's main thread in a Chromium trace: wall and CPU ms. */
function longestMainThreadTask(trace) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  let wall = 0;
  let cpu = 0;
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'RunTask' || !main.has(`${e.pid}:${e.tid}`)) continue;
    wall = Math.max(wall, e.dur / 1000);
    cpu = Math.max(cpu, (e.tdur ?? 0) / 1000);
  }
  return { wall, cpu };
}

/**
 * Opens the training lesson, runs its demo training to the end, and returns
 * { longest_task_ms, long_tasks, longest_task_cpu_ms, run_ms }: the main thread's long tasks (the
 * browser reports tasks over 50 ms) between the click on Train and the final result, 0 when there
 * were none; and, from a Chromium trace of the same run, the most CPU time any one main-thread task
 * used. On a busy machine a task's wall time includes time the OS gave to other processes; its CPU
 * time does not, so the second number says whether a long task was the page's own work.
 */
export async function measureTrainingLongTasks(browser, baseUrl) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}lesson/${TRAINING_LESSON}/`);
    const widget = page.locator('[data-widget="train-load"]').first();
    const train = widget.locator('[data-action="train"]');
    await train.waitFor();
    // Let loading settle (engine start, first render) so only the run is observed.
    await page.waitForLoadState('networkidle');
    await page.evaluate(() => {
      window.__moeLongTasks = [];
      new PerformanceObserver((list) => window.__moeLongTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    await browser.startTracing(page, { categories: ['toplevel', 'disabled-by-default-devtools.timeline'] });
    const t0 = Date.now();
    await train.click();
    await widget.locator('[data-final], [role="alert"]').first().waitFor({ timeout: 120_000 });
    const run_ms = Date.now() - t0;
    const longest = longestMainThreadTask(await browser.stopTracing());
    const failed = widget.locator('[role="alert"]');
    if (await failed.count()) throw new Error(`training run failed: ${await failed.first().innerText()}`);
    await page.waitForTimeout(100); // let the observer deliver the last entries
    const tasks = await page.evaluate(() => window.__moeLongTasks);
    return { longest_task_ms: tasks.length ? Math.max(...tasks) : 0, long_tasks: tasks.length, longest_task_cpu_ms: longest.cpu, run_ms };
  } finally {
    await context.close();
  }
}
