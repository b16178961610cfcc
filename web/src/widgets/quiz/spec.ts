// Parameters of the quiz widget: which quiz of lessons/quizzes to play. The
// plugin checks at build time that the quiz exists. No URL state: a quiz
// attempt is not something to share as a link.
import * as z from 'zod';

export const quizParams = z
  .object({
    quiz: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a quiz id (the file name in lessons/quizzes)'),
    /** Share of questions to get right for the "quiz-passed" goal. */
    pass: z.number().min(0).max(1).default(0.8),
  })
  .strict();
export type QuizParams = z.infer<typeof quizParams>;

export const quizState = {};
