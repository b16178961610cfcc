// First paints of the production page, cold (a fresh browser context: empty cache, no service
// worker; its window already open, see WINDOW_SETTLE_MS), as `npm start` serves it: for the map
// and three lessons, the first contentful paint, the largest contentful paint and the first engine
// number on screen, all from navigation start and read inside the page (Paint Timing, Largest
// Contentful Paint, a MutationObserver). Used by bench/run.mjs (section `page`); tests assert no
// times.

/** The pages timed, each with the element whose first digit is its first engine number (none on the map). */
export const PAINT_PAGES = [
  { name: 'map', path: '', engineNumber: null },
  { name: 'dense-cost', path: 'lesson/dense-cost/', engineNumber: '[data-widget="param-budget"] [data-total]' },
  { name: 'expert-is-ffn', path: 'lesson/expert-is-ffn/', engineNumber: '[data-widget="expert-ffn"] [data-out]' },
  { name: 'idle-experts', path: 'lesson/idle-experts/', engineNumber: '[data-widget="idle-heatmap"] [data-summary]' },
];

const SETTLED = 'moe-tutor: page settled';

/**
 * How long a fresh context's empty tab is left alone before the timed navigation. Opening a context
 * opens a browser window, and headless Chromium 156 then loads its toolbar's web UI (the omnibox
 * popup) in a renderer of its own: traced, that renderer took ~400 ms of CPU during the page's
 * first 600 ms, on a machine with two cores. A learner's window is open before they follow a link,
 * so that work is not the page's; after 1.5 s it is done (bench/RESULTS.md, seventeenth session).
 */
export const WINDOW_SETTLE_MS = 1500;

/** One cold load of `page` (an entry of PAINT_PAGES): { fcp_ms, lcp_ms, engine_number_ms (null on the map) }. */
export async function measurePaint(browser, baseUrl, page) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    const tab = await context.newPage();
    await tab.waitForTimeout(WINDOW_SETTLE_MS);
    await tab.addInitScript(({ selector, message }) => {
      window.__moeLcp = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__moeLcp = e.startTime;
      }).observe({ type: 'largest-contentful-paint', buffered: true });
      // The moment the engine's first number (or, on the map, "Engine ready") is in the page.
      const seen = () => {
        const el = selector ? document.querySelector(selector) : document.querySelector('.engine-status[data-status="ready"]');
        if (!el || !/\d|ready/.test(el.textContent ?? '')) return false;
        window.__moeEngineMs = performance.now();
        console.debug(message);
        return true;
      };
      new MutationObserver((_, obs) => seen() && obs.disconnect()).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    }, { selector: page.engineNumber, message: SETTLED });
    const settled = tab.waitForEvent('console', { predicate: (m) => m.text() === SETTLED, timeout: 60_000 });
    await tab.goto(`${baseUrl}${page.path}`);
    await settled;
    await tab.waitForLoadState('networkidle');
    const t = await tab.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      lcp: window.__moeLcp || null,
      engine: window.__moeEngineMs,
    }));
    return { fcp_ms: t.fcp, lcp_ms: t.lcp, engine_number_ms: page.engineNumber ? t.engine : null };
  } finally {
    await context.close();
  }
}
