// Entry point: starts the engine worker at once (it loads while the learner
// reads), then mounts the player with the course built from lessons/.
import { mount } from 'svelte';
import course from 'virtual:lessons';
import 'katex/dist/katex.min.css';
import './app.css';
import App from './App.svelte';
import { Engine } from './engine';

const engine = Engine.start();

mount(App, { target: document.getElementById('app')!, props: { course, engine } });
