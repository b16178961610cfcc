// Entry point, small on purpose: it starts the engine worker, then loads the player.
// Chromium starts a worker only when the page's main thread is free, so the player (its code and
// the first render: most of the startup work) is a separate chunk; the browser parses it off the
// main thread while the worker is starting and fetching the wasm, and the opened lesson's steps
// (a chunk per lesson) download at the same time.
import 'katex/dist/katex.min.css';
import './app.css';
import { hasFormulas, loadLesson } from 'virtual:lesson-loaders';
import { Engine } from './engine';
import { preloadFormulaFonts } from './player/preload-fonts';
import { routeOfPage } from './player/route';
import { applyTheme, effectiveTheme } from './player/theme';

applyTheme(effectiveTheme()); // before the first paint: no flash of the other theme

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
  if (hasFormulas(route.lessonId)) preloadFormulaFonts();
}
const { startPlayer } = await import('./start');
await startPlayer(engine);
// Offline support once the engine has answered (or failed): precaching never competes with the first lesson.
void engine.ready
  .catch(() => {})
  .then(() => import('./player/offline.svelte'))
  .then((offline) => offline.registerServiceWorker());
