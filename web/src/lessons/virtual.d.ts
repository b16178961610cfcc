// The course built from lessons/ by web/lesson-plugin.ts.
declare module 'virtual:lessons' {
  const course: import('./types').Course;
  export default course;
}
