// The page's first download carries each lesson as an outline; its steps come later, on demand.
// Used at build time by web/lesson-plugin.ts.
import type { Course, CourseOutline, Lesson, LessonOutline } from './types';

export function lessonOutline(lesson: Lesson): LessonOutline {
  const { id, title, phase, minutes, summary } = lesson;
  const quizzes = lesson.steps.flatMap((s) =>
    s.blocks.flatMap((b) => (b.kind === 'widget' && b.name === 'quiz' ? [String(b.params.quiz)] : [])),
  );
  return { id, title, phase, minutes, summary, stepCount: lesson.steps.length, quizzes };
}

export function courseOutline(course: Course): CourseOutline {
  const lessons = Object.fromEntries(Object.entries(course.lessons).map(([id, lesson]) => [id, lessonOutline(lesson)]));
  return { ...course, lessons };
}
