// Lighthouse 12 (npm `lighthouse`) on the map and three lessons, in the bench's page environment:
// Debian's Chromium on localhost, the production build as `npm start` serves it, desktop screen,
// no simulated throttling (the page as this machine loads it). Lighthouse resets storage and
// cache before each page: cold loads. Used by bench/run.mjs (section `page`), or alone:
//   node bench/lighthouse.mjs [--dist-dir dist]
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { PAINT_PAGES } from './page-paint.mjs';

export const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

const config = {
  extends: 'lighthouse:default',
  settings: { ...desktopConfig.settings, throttlingMethod: 'provided', onlyCategories: CATEGORIES },
};

/**
 * Audits each page of PAINT_PAGES through the Chromium listening on `port` (remote debugging);
 * returns [{ page, scores: {performance, accessibility, 'best-practices'} (0-100), failed: [audit ids below 1] }].
 */
export async function auditPages(baseUrl, port) {
  const out = [];
  for (const page of PAINT_PAGES) {
    const result = await lighthouse(`${baseUrl}${page.path}`, { port, output: 'json', logLevel: 'error' }, config);
    const lhr = result.lhr;
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]));
    const failed = CATEGORIES.flatMap((c) =>
      lhr.categories[c].auditRefs
        .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 1)
        .map((ref) => `${c}/${ref.id} ${lhr.audits[ref.id].displayValue ?? lhr.audits[ref.id].score}`),
    );
    out.push({ page: page.name, scores, failed, runtime_error: lhr.runtimeError?.code ?? null });
  }
  return out;
}

/** A Chromium for Lighthouse: the e2e's launch options plus a remote-debugging port. */
export async function launchForLighthouse(port) {
  const { chromium } = await import('playwright-core');
  const { launchOptions } = await import('../scripts/lib/chromium.mjs');
  return chromium.launch({ ...launchOptions, args: [...launchOptions.args, `--remote-debugging-port=${port}`] });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startServe } = await import('../scripts/lib/page-measure.mjs');
  const i = process.argv.indexOf('--dist-dir');
  const served = await startServe(i >= 0 ? process.argv[i + 1] : 'dist');
  const port = 9300 + Math.floor(Math.random() * 500);
  const browser = await launchForLighthouse(port);
  try {
    for (const r of await auditPages(served.url, port)) {
      console.log(`${r.page}: ${CATEGORIES.map((c) => `${c} ${r.scores[c]}`).join(', ')}${r.failed.length ? `\n  below 1: ${r.failed.join('; ')}` : ''}`);
    }
  } finally {
    await browser.close();
    served.stop();
  }
}
