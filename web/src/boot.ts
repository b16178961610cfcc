// Starts the engine worker, then loads the player (main.ts imports this once the page's text is
// on screen). Chromium starts a worker only when the page's main thread is free, so the player
// (its code and the first render: most of the startup work) is a separate chunk; the browser
// parses it off the main thread while the worker is starting and fetching the wasm, and the
// opened lesson's steps (a chunk per lesson) download at the same time.
import { hasFormulas, loadLesson } from 'virtual:lesson-loaders';
import { Engine } from './engine';
import { preloadFormulaFonts } from './player/preload-fonts';
import { routeOfPage } from './player/route';

// The player moves between the map and lesson pages without reloading (player/router.svelte.ts),
// which changes what a relative address means. The browser reads the manifest when it needs it
// (installing), so pin its address to this page's now. (Icons load at once: pinning them would
// load them twice.)
const manifest = document.head.querySelector<HTMLLinkElement>('link[rel="manifest"]');
manifest?.setAttribute('href', manifest.href);

const engine = Engine.start();
// The lesson in the address downloads alongside the player (the player asks for the same module).
const route = routeOfPage();
if (route.page === 'lesson') {
  loadLesson(route.lessonId).catch(() => {}); // the player reports it
  // The lesson's own page has laid its formulas out already, which asked for their fonts: asked
  // for again now, they would download twice (tests/e2e/page-weight.spec.ts).
  const prerendered = document.getElementById('app')?.dataset.prerendered === route.lessonId;
  if (hasFormulas(route.lessonId) && !prerendered) preloadFormulaFonts();
}
const { startPlayer } = await import('./start');
await startPlayer(engine);
// Offline support once the engine has answered (or failed): precaching never competes with the first lesson.
void engine.ready
  .catch(() => {})
  .then(() => import('./player/offline.svelte'))
  .then((offline) => offline.registerServiceWorker());
