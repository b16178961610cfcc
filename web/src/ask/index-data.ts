// The search index behind "Ask this lesson": built once at build time from the course's passages
// (web/lesson-plugin.ts serves it as `virtual:ask-index`), loaded by the question box on first use.
// Build and load must use the same options, so both live here.
import MiniSearch from 'minisearch';
import type { AsPlainObject, Options } from 'minisearch';
import type { Course } from '../lessons/types';
import { coursePassages } from './passages';
import type { Passage } from './passages';
import { processTerm, tokenize } from './text';

export interface AskLesson {
  id: string;
  title: string;
  /** The phase's title, shown with suggestions. */
  phase: string;
}

/** What `virtual:ask-index` exports: passages by id, the serialised index, and the lessons in path order. */
export interface AskData {
  passages: Passage[];
  index: AsPlainObject;
  lessons: AskLesson[];
}

interface IndexedPassage {
  id: number;
  text: string;
  stepTitle: string;
  lessonTitle: string;
  term: string;
  /** Every passage of the same step, so a passage inherits the words of its surroundings. */
  context: string;
}

export const indexOptions: Options<IndexedPassage> = {
  fields: ['text', 'stepTitle', 'lessonTitle', 'term', 'context'],
  storeFields: [],
  tokenize,
  processTerm,
};

export function buildAskData(course: Course): AskData {
  const passages = coursePassages(course);
  const search = new MiniSearch<IndexedPassage>(indexOptions);
  const stepText = new Map<string, string>();
  for (const p of passages) {
    if (p.kind === 'glossary') continue;
    const key = `${p.lesson}/${p.step}`;
    stepText.set(key, `${stepText.get(key) ?? ''} ${p.text}`);
  }
  search.addAll(
    passages.map((p, id) => ({
      id,
      text: p.text,
      stepTitle: p.stepTitle,
      lessonTitle: p.lessonTitle,
      term: p.term,
      context: p.kind === 'glossary' ? '' : (stepText.get(`${p.lesson}/${p.step}`) ?? ''),
    })),
  );
  const lessons = course.phases.flatMap((phase) =>
    phase.lessons.filter((l) => course.lessons[l.id]).map((l) => ({ id: l.id, title: course.lessons[l.id].title, phase: phase.title })),
  );
  return { passages, index: search.toJSON(), lessons };
}
