// Quick probe of first paint while working on it (issue #21), faster than `npm run bench`:
// serves a built dist/ as `npm start` does and times cold loads of the bench's pages
// (bench/page-paint.mjs), printing the median first contentful paint, largest contentful paint
// and first engine number per page. With --trace <page> it also records Chromium performance
// traces of that page and prints what happened before first paint (when the stylesheet is asked
// for and parsed, the main thread's CPU time for style, layout and scripts), to show what holds
// the paint back.
//
//   node bench/paint-probe.mjs [--dist-dir dist[,build/dist-before]] [--runs 5] [--pages map,dense-cost] [--trace dense-cost]
//   (with --trace, --runs traced loads of that page per build and no timed loads)
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { chromium } from 'playwright-core';
import { launchOptions } from '../scripts/lib/chromium.mjs';
import { startServe } from '../scripts/lib/page-measure.mjs';
import { PAINT_PAGES, WINDOW_SETTLE_MS, measurePaint } from './page-paint.mjs';
import { median } from './suite.mjs';

const argv = process.argv.slice(2);
const option = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const runs = Number(option('--runs', 5));
const wanted = option('--pages', PAINT_PAGES.map((p) => p.name).join(',')).split(',');
const pages = PAINT_PAGES.filter((p) => wanted.includes(p.name));
const tracePage = PAINT_PAGES.find((p) => p.name === option('--trace', ''));

/**
 * One cold load of `page` under a Chromium trace (written to build/paint-trace-<n>.json, for
 * DevTools): the milestones up to first contentful paint in ms from navigation start, and the
 * page's main-thread CPU time before it (thread time, so less sensitive to the machine's load
 * than the wall-clock times).
 */
async function tracePaint(browser, baseUrl, page, file) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    const tab = await context.newPage();
    await tab.waitForTimeout(WINDOW_SETTLE_MS);
    const cdp = await context.newCDPSession(tab);
    const events = [];
    cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: ['devtools.timeline', 'blink.user_timing', 'loading', 'disabled-by-default-devtools.timeline', 'navigation', 'toplevel'] },
    });
    await tab.goto(`${baseUrl}${page.path}`, { waitUntil: 'load' });
    await tab.waitForTimeout(1000);
    await cdp.send('Tracing.end');
    await done;
    writeFileSync(file, JSON.stringify({ traceEvents: events }));
    // The page's navigation: the last one in the renderer that painted, before it painted.
    const fcp = events.find((e) => e.name === 'firstContentfulPaint');
    const nav = events.filter((e) => e.name === 'navigationStart' && e.pid === fcp?.pid && e.ts < fcp.ts).at(-1);
    if (!nav) return null; // now and then the trace misses the navigation: the sample is dropped
    const main = events.find((e) => e.name === 'thread_name' && e.pid === nav.pid && e.args.name === 'CrRendererMain');
    const ms = (ts) => (ts - nav.ts) / 1000;
    const first = (name, pred = () => true) => events.find((e) => e.name === name && e.pid === nav.pid && e.ts >= nav.ts && pred(e));
    const url = (part) => (e) => (e.args?.data?.url ?? '').includes(part);
    const before = events.filter((e) => e.pid === nav.pid && e.tid === main.tid && e.ph === 'X' && e.name === 'RunTask' && e.ts >= nav.ts && e.ts < fcp.ts);
    const cpu = (name) => events.filter((e) => e.pid === nav.pid && e.tid === main.tid && e.name === name && e.ts >= nav.ts && e.ts < fcp.ts).reduce((a, e) => a + (e.tdur ?? 0), 0) / 1000;
    return {
      fcp_ms: ms(fcp.ts),
      stylesheet_requested_ms: ms(first('ResourceSendRequest', url('.css'))?.ts),
      stylesheet_parsed_ms: ms(first('ParseAuthorStyleSheet')?.ts),
      first_paint_ms: ms(first('Paint', (e) => e.ts > (first('ParseAuthorStyleSheet')?.ts ?? nav.ts))?.ts),
      main_cpu_before_fcp_ms: before.reduce((a, e) => a + (e.tdur ?? 0), 0) / 1000,
      style_cpu_ms: cpu('ParseAuthorStyleSheet') + cpu('UpdateLayoutTree'),
      layout_cpu_ms: cpu('Layout'),
      script_cpu_ms: cpu('EvaluateScript') + cpu('v8.evaluateModule'),
    };
  } finally {
    await context.close();
  }
}

// Several builds (--dist-dir a,b) are compared interleaved: load by load, under the same machine load.
const dists = option('--dist-dir', 'dist').split(',');
const served = await Promise.all(dists.map((d) => startServe(d)));
const browser = await chromium.launch(launchOptions);
try {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  for (const s of served) await measurePaint(browser, s.url, pages[0]); // warm-up: Chromium's first context and the OS file cache, not timed
  const traces = dists.map(() => []);
  if (tracePage)
    for (let i = 0; i < runs; ++i) for (const [d, s] of served.entries()) traces[d].push(await tracePaint(browser, s.url, tracePage, `build/paint-trace-${d}.json`));
  const samples = dists.map(() => Object.fromEntries(pages.map((p) => [p.name, []])));
  for (let i = 0; i < (tracePage ? 0 : runs); ++i) for (const p of pages) for (const [d, s] of served.entries()) samples[d][p.name].push(await measurePaint(browser, s.url, p));
  if (runs > 0 && !tracePage) console.log(`load average ${load} at start, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at end; medians of ${runs} cold loads`);
  if (runs > 0 && !tracePage) console.log('build                page            FCP ms   LCP ms   engine ms');
  for (const [d, dist] of tracePage ? [] : dists.entries()) {
    for (const p of pages) {
      const of = (key) => (samples[d][p.name][0][key] == null ? '—' : median(samples[d][p.name].map((m) => m[key])).toFixed(0));
      console.log(`${dist.padEnd(20)} ${p.name.padEnd(14)} ${of('fcp_ms').padStart(7)} ${of('lcp_ms').padStart(8)} ${of('engine_number_ms').padStart(10)}`);
    }
  }
  if (tracePage) {
    console.log(`load average ${load} at start, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at end`);
    console.log(`traced ${tracePage.name}, medians of ${runs} (ms from navigation start; *_cpu: main-thread CPU time before first contentful paint)`);
    for (const [d, dist] of dists.entries()) {
      const kept = traces[d].filter(Boolean);
      const keys = Object.keys(kept[0] ?? {});
      console.log(`${dist.padEnd(20)} (${kept.length} traces) ${keys.map((k) => `${k} ${median(kept.map((t) => t[k])).toFixed(0)}`).join(', ')}`);
    }
  }
} finally {
  await browser.close();
  for (const s of served) s.stop();
}
