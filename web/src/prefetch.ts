// A lesson's steps, and as soon as they are here, the code of the widgets the learner sees first
// (the opened step's and the first step's), so that code downloads while the player is still
// starting or rendering instead of after.
import { loadLesson } from 'virtual:lesson-loaders';
import type { Lesson } from './lessons/types';
import { isWidgetName, loadWidget } from './widgets/registry';

/** Lessons whose steps have arrived, by id. */
const arrived = new Map<string, Lesson>();

export function loadLessonAndFirstWidgets(id: string, stepId: string | null = null): Promise<Lesson> {
  return loadLesson(id).then((lesson) => {
    arrived.set(id, lesson);
    const opened = lesson.steps.find((step) => step.id === stepId);
    for (const step of new Set([opened, lesson.steps[0]])) {
      for (const block of step?.blocks ?? []) {
        if (block.kind !== 'widget' || !isWidgetName(block.name)) continue;
        // A failed download is reported by the widget's frame when it asks again.
        loadWidget(block.name).catch(() => {});
      }
    }
    return lesson;
  });
}

/** The lesson if its steps have already arrived (the player then renders it without a wait). */
export function arrivedLesson(id: string): Lesson | undefined {
  return arrived.get(id);
}
