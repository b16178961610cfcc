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
import { parseHash } from './player/route';
import { applyTheme, effectiveTheme } from './player/theme';

applyTheme(effectiveTheme()); // before the first paint: no flash of the other theme

const engine = Engine.start();
// The lesson in the address downloads alongside the player (the player asks for the same module).
const route = parseHash(location.hash);
if (route.page === 'lesson') {
  loadLesson(route.lessonId).catch(() => {}); // the player reports it
  if (hasFormulas(route.lessonId)) preloadFormulaFonts();
}
const { startPlayer } = await import('./start');
await startPlayer(engine);
