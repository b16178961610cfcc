// Mounts the lesson player with the course built from lessons/ (loaded by boot.ts after the
// engine worker has been started). It sits beside App.svelte, not in player/: it reaches every
// widget through the app, and widgets import player/ (tests/web/import-graph.test.ts).
import { mount } from 'svelte';
import course from 'virtual:lessons';
import App from './App.svelte';
import type { Engine } from './engine';
import type { Lesson } from './lessons/types';
import { arrivedLesson, loadLessonAndFirstWidgets } from './prefetch';
import { routeOfPage } from './player/route';

/**
 * The lesson's steps (the lesson itself once it has arrived) and its first widgets' code; a step in
 * the address counts as a first step.
 */
function loadLesson(id: string): Lesson | Promise<Lesson> {
  const route = routeOfPage();
  return arrivedLesson(id) ?? loadLessonAndFirstWidgets(id, route.page === 'lesson' && route.lessonId === id ? route.stepId : null);
}

/** How long the first render waits for the opened lesson before it shows a "Loading" line instead. */
const FIRST_LESSON_WAIT_MS = 50;

export async function startPlayer(engine: Engine): Promise<void> {
  const target = document.getElementById('app')!;
  // The build prerendered this page's text into #app (web/prerender-plugin.ts): the learner is
  // already reading, so the player takes over only once it can show the same lesson.
  const prerendered = target.dataset.prerendered;
  // boot.ts asked for the opened lesson with the player's code, so it is usually here already:
  // the first render then shows it (and asks for its widgets) at once, in one layout.
  const route = routeOfPage();
  if (route.page === 'lesson') {
    const lesson = Promise.resolve(loadLesson(route.lessonId)).catch(() => {}); // App reports a failure
    if (prerendered !== route.lessonId) await Promise.race([lesson, new Promise((resolve) => setTimeout(resolve, FIRST_LESSON_WAIT_MS))]);
    else await lesson;
  }
  // main.ts started the player only once the prerendered text was on screen: replaced before its
  // frame was presented, it would have been drawn for nothing, and the largest paint would have
  // waited for the player's own render.
  target.replaceChildren(); // the prerendered text, replaced in the same task: no blank frame
  delete target.dataset.prerendered;
  mount(App, { target, props: { course, engine, loadLesson } });
}
