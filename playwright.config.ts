// End-to-end tests: Debian's Chromium driven by Playwright against the
// production build served by scripts/serve.mjs, the server `npm start` runs
// (compressed responses, the same security headers).
import { defineConfig } from '@playwright/test';
import { launchOptions } from './scripts/lib/chromium.mjs';

// PORT lets two checkouts run their e2e suites side by side.
const port = Number(process.env.PORT || 4173);

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'build/playwright',
  timeout: 60_000,
  // Two spec files at a time: one page mostly keeps one core busy (the engine's worker), so a
  // second worker uses the other core of a 2-core machine. Tests within a file stay in order.
  workers: 2,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'build/reports/playwright.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    browserName: 'chromium',
    launchOptions,
    viewport: { width: 1280, height: 860 },
  },
  webServer: {
    command: `node scripts/serve.mjs`,
    env: { PORT: String(port) },
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
