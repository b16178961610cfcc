// Entry point, small on purpose. Every built page carries its text, prerendered
// (web/prerender-plugin.ts), and the theme is set before the first paint (web/theme-boot.js). So
// the first frame needs no script: the engine and the player (boot.ts) start only once that text
// is on screen. Started earlier, their downloads, compiles and the worker's start shared this
// machine's two cores with the first frame's layout and raster, and held it back by 50–80 ms
// (bench/RESULTS.md, nineteenth session). The dev server's page has no prerendered text: there
// the player starts at once.
import 'katex/dist/katex.min.css';
import './app.css';

/**
 * Resolves once the first contentful paint is on screen, at most `capMs` later (a hidden tab
 * paints nothing), and at once where the browser does not report paints.
 */
function afterFirstContentfulPaint(capMs = 3000): Promise<void> {
  if (!PerformanceObserver.supportedEntryTypes?.includes('paint')) return Promise.resolve();
  return new Promise((resolve) => {
    const observer = new PerformanceObserver((list) => {
      if (!list.getEntriesByName('first-contentful-paint').length) return;
      observer.disconnect();
      resolve();
    });
    observer.observe({ type: 'paint', buffered: true });
    setTimeout(() => {
      observer.disconnect();
      resolve();
    }, capMs);
  });
}

if (document.getElementById('app')?.dataset.prerendered) await afterFirstContentfulPaint();
await import('./boot');
