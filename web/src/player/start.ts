// Mounts the lesson player with the course built from lessons/ (loaded by main.ts after the
// engine worker has been started).
import { mount } from 'svelte';
import course, { loadLesson } from 'virtual:lessons';
import App from '../App.svelte';
import type { Engine } from '../engine';

export function startPlayer(engine: Engine): void {
  mount(App, { target: document.getElementById('app')!, props: { course, engine, loadLesson } });
}
