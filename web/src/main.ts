// Entry point: starts the engine worker at once (it loads while the learner
// reads), then mounts the player with the course built from lessons/.
import './player/strict-csp'; // first: no eval probe under the CSP (see the file)
import { mount } from 'svelte';
import course from 'virtual:lessons';
import 'katex/dist/katex.min.css';
import './app.css';
import App from './App.svelte';
import { Engine } from './engine';
import { applyTheme, effectiveTheme } from './player/theme';

applyTheme(effectiveTheme()); // before the first paint: no flash of the other theme

const engine = Engine.start();

mount(App, { target: document.getElementById('app')!, props: { course, engine } });
