// The shape of lesson data as the player receives it (from `virtual:lessons`).
// Markdown and math are already HTML, rendered at build time.
import type { Glossary } from './glossary';

export interface CheckOption {
  html: string;
  correct: boolean;
  feedbackHtml: string;
}

export type Block =
  | { kind: 'prose'; html: string }
  | { kind: 'widget'; name: string; params: Record<string, unknown> }
  | { kind: 'check'; id: string; questionHtml: string; options: CheckOption[] }
  /** KaTeX HTML rendered at build time, shown behind a "Show the formula" toggle. */
  | { kind: 'formula'; label: string; html: string };

export interface Step {
  id: string;
  title: string;
  blocks: Block[];
}

export interface Lesson {
  id: string;
  title: string;
  phase: string;
  minutes: number;
  summary: string;
  steps: Step[];
}

export interface LessonEntry {
  id: string;
  title: string;
  minutes: number;
  /** false: listed on the map as "coming soon", no lesson file yet. */
  available: boolean;
}

export interface Phase {
  id: string;
  title: string;
  summary: string;
  lessons: LessonEntry[];
}

/** What the page knows of a lesson before its steps are downloaded (see CourseOutline). */
export interface LessonOutline {
  id: string;
  title: string;
  phase: string;
  minutes: number;
  summary: string;
  stepCount: number;
  /** Ids of the quizzes its steps place, in order. */
  quizzes: string[];
}

/**
 * The course as the page's first download carries it (`virtual:lessons`): every lesson as an
 * outline. A lesson's steps (their text is most of the course's bytes) are a chunk of their own,
 * downloaded when the lesson opens (`loadLesson`).
 */
export interface CourseOutline extends Omit<Course, 'lessons'> {
  lessons: Record<string, LessonOutline>;
}

export interface Course {
  title: string;
  summary: string;
  phases: Phase[];
  lessons: Record<string, Lesson>;
  /** Key terms by id, definitions already HTML (lessons/glossary.yaml). */
  glossary: Glossary;
}
