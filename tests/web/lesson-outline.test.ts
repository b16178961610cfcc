// The page's first download carries outlines of the lessons; each lesson's steps are its own
// chunk. The outline must still tell the course map what it shows before any lesson is opened.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadCourseFrom } from '../../web/lesson-plugin';
import { courseOutline } from '../../web/src/lessons/outline';

const lessonsDir = fileURLToPath(new URL('../../lessons', import.meta.url));

describe('course outline', () => {
  const { course } = loadCourseFrom(lessonsDir);
  const outline = courseOutline(course);

  it('keeps every lesson, with its step count, and the quizzes its steps place', () => {
    expect(Object.keys(outline.lessons)).toEqual(Object.keys(course.lessons));
    for (const [id, lesson] of Object.entries(course.lessons)) {
      expect(outline.lessons[id]).toMatchObject({ id, title: lesson.title, phase: lesson.phase, minutes: lesson.minutes });
      expect(outline.lessons[id].stepCount).toBe(lesson.steps.length);
    }
    // The course ends with the final quiz; its lesson's outline names it.
    const withQuiz = Object.values(outline.lessons).filter((l) => l.quizzes.length > 0);
    expect(withQuiz.flatMap((l) => l.quizzes)).toContain('final-quiz');
  });

  it('leaves the lesson text out: the outline is a small part of the course', () => {
    expect(JSON.stringify(outline)).not.toContain('"blocks"');
    expect(JSON.stringify(outline).length).toBeLessThan(JSON.stringify(course).length / 4);
    expect(outline.phases).toEqual(course.phases);
    expect(outline.glossary).toEqual(course.glossary);
  });
});
