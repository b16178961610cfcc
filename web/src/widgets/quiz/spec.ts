// URL state of the quiz widget: none. A quiz attempt is not something to share
// as a link. Its parameters (which quiz of lessons/quizzes to play) are in
// params.ts; the plugin checks at build time that the quiz exists.

export const quizState = {};
