// Entry point, small on purpose: it starts the engine worker, then loads the player.
// Chromium starts a worker only when the page's main thread is free, so the player (its code,
// every lesson's text and the first render: most of the startup work) is a separate chunk; the
// browser parses it off the main thread while the worker is starting and fetching the wasm.
import 'katex/dist/katex.min.css';
import './app.css';
import { Engine } from './engine';
import { applyTheme, effectiveTheme } from './player/theme';

applyTheme(effectiveTheme()); // before the first paint: no flash of the other theme

const engine = Engine.start();
const { startPlayer } = await import('./player/start');
startPlayer(engine);
