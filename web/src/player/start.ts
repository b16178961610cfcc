// Mounts the lesson player with the course built from lessons/ (loaded by main.ts after the
// engine worker has been started).
import { mount } from 'svelte';
import course from 'virtual:lessons';
import App from '../App.svelte';
import type { Engine } from '../engine';
import { loadLessonAndFirstWidgets } from './prefetch';
import { parseHash } from './route';

/** The lesson's steps and its first widgets' code; a step in the address counts as a first step. */
function loadLesson(id: string) {
  const route = parseHash(location.hash);
  return loadLessonAndFirstWidgets(id, route.page === 'lesson' && route.lessonId === id ? route.stepId : null);
}

export function startPlayer(engine: Engine): void {
  mount(App, { target: document.getElementById('app')!, props: { course, engine, loadLesson } });
}
