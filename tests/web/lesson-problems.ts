// The lesson-format tests' way to see what parseLesson rejects: its list of problems, not a throw.
import { LessonError, parseLesson } from '../../web/src/lessons/parse';
import type { Glossary } from '../../web/src/lessons/glossary';

/** The problems parseLesson reports for `source` (checked against `glossary`), or [] if it accepts it. */
export function lessonProblems(file: string, source: string, glossary?: Glossary): string[] {
  try {
    parseLesson(file, source, undefined, glossary);
    return [];
  } catch (err) {
    if (err instanceof LessonError) return err.problems;
    throw err;
  }
}
