// Page weight (issue #9): the first lesson of the path, as `npm start` serves the production build
// (scripts/serve.mjs, compressed), transfers under 400 KB in total — wasm, JS, CSS, fonts and the
// page itself — counted from the browser's Resource Timing in the page and its engine worker.
// None of that JavaScript is zod or yaml: they check lessons at build time, never in the page.
// Bytes, not wall-clock time: the time to interactive is printed, never asserted (see `npm run bench`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '@playwright/test';
import { measureFirstLesson, startServe } from '../../scripts/lib/page-measure.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The build under test: the one `npm start` serves, or another (MOE_DIST_DIR) for a side checkout.
const distDir = path.resolve(repo, process.env.MOE_DIST_DIR ?? 'dist');
const LIMIT_BYTES = 400 * 1000;

let served: { url: string; stop: () => void };
test.beforeAll(async () => {
  served = await startServe(distDir);
});
test.afterAll(() => served?.stop());

test('the first lesson transfers under 400 KB compressed, engine included', async ({ browser }) => {
  const r = await measureFirstLesson(browser, served.url);
  const kb = (b: number) => `${(b / 1000).toFixed(1)} kB`;
  console.log(
    `first lesson: ${kb(r.transfer_bytes)} in ${r.files.length} responses (` +
      Object.entries(r.by_kind).map(([k, b]) => `${k} ${kb(b)}`).join(', ') +
      `); interactive after ${r.interactive_ms.toFixed(0)} ms (not asserted)`,
  );
  for (const f of r.files) console.log(`  ${f.kind.padEnd(5)} ${kb(f.bytes).padStart(9)}  ${new URL(f.url).pathname}`);

  // The measurement saw the whole page: the document, the app, its styles, fonts and the engine.
  for (const kind of ['wasm', 'js', 'css', 'font', 'other'] as const) expect(r.by_kind[kind], kind).toBeGreaterThan(0);
  // The engine arrived compressed: well under its size on disk.
  const wasm = r.files.find((f) => f.kind === 'wasm')!;
  const onDisk = fs.statSync(path.join(distDir, new URL(wasm.url).pathname)).size;
  expect(wasm.bytes).toBeLessThan(onDisk * 0.5);
  // The ask box's index (about 40 kB) waits until the learner reaches for the box.
  expect(r.files.map((f) => f.url).join('\n')).not.toMatch(/ask-index/);
  // Strings only the libraries' own code contains: zod's error class name, yaml's tag prefix.
  const scripts = r.files.filter((f) => f.kind === 'js').map((f) => new URL(f.url).pathname);
  const carrying = (marker: string) => scripts.filter((file) => fs.readFileSync(path.join(distDir, file), 'utf8').includes(marker));
  expect({ zod: carrying('ZodError'), yaml: carrying('tag:yaml.org') }, 'page scripts carrying zod or yaml').toEqual({ zod: [], yaml: [] });
  // Nothing crossed the wire twice (e.g. a font preload the stylesheet's request did not reuse).
  const paths = r.files.map((f) => new URL(f.url).pathname);
  expect(paths.filter((p, i) => paths.indexOf(p) !== i), 'files downloaded twice').toEqual([]);

  expect(r.transfer_bytes).toBeLessThan(LIMIT_BYTES);
});
