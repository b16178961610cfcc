// The course built from lessons/ by web/lesson-plugin.ts: outlines, and each lesson on demand.
declare module 'virtual:lessons' {
  const course: import('./types').CourseOutline;
  export default course;
  /** The whole lesson (steps, text, widgets): its own chunk, downloaded once. */
  export function loadLesson(id: string): Promise<import('./types').Lesson>;
}

// loadLesson alone (the page's entry starts the opened lesson's download with it), and which lessons
// show formulas.
declare module 'virtual:lesson-loaders' {
  export function loadLesson(id: string): Promise<import('./types').Lesson>;
  /** Whether the lesson shows formulas (KaTeX). */
  export function hasFormulas(id: string): boolean;
}

// Quizzes from lessons/quizzes/*.yaml, validated by web/lesson-plugin.ts.
declare module 'virtual:quizzes' {
  const quizzes: Record<string, import('./quiz').Quiz>;
  export default quizzes;
}
