// Lesson parameters of quiz: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const quizParams = z
  .object({
    quiz: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a quiz id (the file name in lessons/quizzes)'),
    /** Share of questions to get right for the "quiz-passed" goal. */
    pass: z.number().min(0).max(1).default(0.8),
  })
  .strict();
export type QuizParams = z.infer<typeof quizParams>;
