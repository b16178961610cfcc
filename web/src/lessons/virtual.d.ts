// The course built from lessons/ by web/lesson-plugin.ts.
declare module 'virtual:lessons' {
  const course: import('./types').Course;
  export default course;
}

// Quizzes from lessons/quizzes/*.yaml, validated by web/lesson-plugin.ts.
declare module 'virtual:quizzes' {
  const quizzes: Record<string, import('./quiz').Quiz>;
  export default quizzes;
}
