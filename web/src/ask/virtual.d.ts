// Passages and search index of "Ask this lesson", built from lessons/ by web/lesson-plugin.ts.
declare module 'virtual:ask-index' {
  const data: import('./index-data').AskData;
  export default data;
}
