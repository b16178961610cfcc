// Mounts the lesson player with the course built from lessons/ (loaded by main.ts after the
// engine worker has been started).
import { mount } from 'svelte';
import course, { loadLesson } from 'virtual:lessons';
import App from '../App.svelte';
import type { Engine } from '../engine';
import type { Lesson } from '../lessons/types';
import { isWidgetName } from '../widgets/states';
import { loadWidget } from '../widgets/registry';

/**
 * A lesson's steps; as soon as they are here, the code of its first step's widgets is asked for
 * too, so it downloads while the lesson is being rendered instead of after.
 */
function loadLessonAndFirstWidgets(id: string): Promise<Lesson> {
  return loadLesson(id).then((lesson) => {
    for (const block of lesson.steps[0]?.blocks ?? []) {
      if (block.kind === 'widget' && isWidgetName(block.name)) void loadWidget(block.name);
    }
    return lesson;
  });
}

export function startPlayer(engine: Engine): void {
  mount(App, { target: document.getElementById('app')!, props: { course, engine, loadLesson: loadLessonAndFirstWidgets } });
}
