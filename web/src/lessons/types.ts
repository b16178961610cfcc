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

export interface Course {
  title: string;
  summary: string;
  phases: Phase[];
  lessons: Record<string, Lesson>;
  /** Key terms by id, definitions already HTML (lessons/glossary.yaml). */
  glossary: Glossary;
}
