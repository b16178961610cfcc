// Runs the engine's doctest suite, compiled to WebAssembly, in headless
// Chromium: serves tests/wasm/doctest.html with build/wasm/moe_tests.* on
// loopback, waits for the suite to exit, and relays its output and exit code.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { launchOptions } from './lib/chromium.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const files = {
  '/doctest.html': path.join(root, 'tests/wasm/doctest.html'),
  '/doctest-page.js': path.join(root, 'tests/wasm/doctest-page.js'),
  '/moe_tests.js': path.join(root, 'build/wasm/moe_tests.js'),
  '/moe_tests.wasm': path.join(root, 'build/wasm/moe_tests.wasm'),
  '/moe_tests.data': path.join(root, 'build/wasm/moe_tests.data'),
};
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

const server = createServer(async (req, res) => {
  const file = files[new URL(req.url, 'http://x').pathname];
  try {
    if (!file) throw new Error('not found');
    const body = await readFile(file);
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/doctest.html`;

const browser = await chromium.launch(launchOptions);
let exitCode = 1;
try {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.doctest.exitCode !== null, null, { timeout: 300_000 });
  const result = await page.evaluate(() => window.doctest);
  console.log(result.lines.join('\n'));
  exitCode = result.exitCode;
} catch (err) {
  console.log(`doctest in Chromium did not finish: ${err.message}`);
} finally {
  await browser.close();
  server.close();
}
process.exit(exitCode);
