// A lesson's steps, and as soon as they are here, the code of the widgets the learner sees first
// (the opened step's and the first step's), so that code downloads while the player is still
// starting or rendering instead of after. The page's entry calls it before the player has loaded.
import { loadLesson } from 'virtual:lesson-loaders';
import type { Lesson } from '../lessons/types';
import { isWidgetName, loadWidget } from '../widgets/registry';

export function loadLessonAndFirstWidgets(id: string, stepId: string | null = null): Promise<Lesson> {
  return loadLesson(id).then((lesson) => {
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
