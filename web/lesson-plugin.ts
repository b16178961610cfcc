// Vite plugin: reads lessons/ at build time, validates every lesson and the
// course map, and serves the result as the module `virtual:lessons`.
// A malformed lesson fails the build with `<file>: <place>: <reason>` lines.
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { LessonError, parseCourse } from './src/lessons/parse';
import { parseGlossary } from './src/lessons/glossary';
import { renderInline } from './src/lessons/markdown';
import { QuizError, parseQuizzes } from './src/lessons/quiz';
import type { Quiz } from './src/lessons/quiz';
import type { Course } from './src/lessons/types';
import { courseOutline } from './src/lessons/outline';
import { buildAskData } from './src/ask/index-data';

const VIRTUAL_ID = 'virtual:lessons';
const RESOLVED_ID = '\0' + VIRTUAL_ID;
const QUIZZES_ID = 'virtual:quizzes';
const RESOLVED_QUIZZES_ID = '\0' + QUIZZES_ID;
// One lesson's steps: `virtual:lesson/<id>`, a chunk per lesson that `loadLesson(id)` imports.
const LESSON_PREFIX = 'virtual:lesson/';
// `loadLesson(id)` alone, small: the page's entry imports it to start the opened lesson's download early.
const LOADERS_ID = 'virtual:lesson-loaders';
const RESOLVED_LOADERS_ID = '\0' + LOADERS_ID;
// "Ask this lesson": the course's passages and their search index (web/src/ask/), loaded on first use.
const ASK_ID = 'virtual:ask-index';
const RESOLVED_ASK_ID = '\0' + ASK_ID;

/**
 * A module whose default export is `data`. Written as JSON.parse of a string: for data this size
 * V8 parses JSON several times faster than the same object as a JavaScript literal.
 */
function dataModule(data: unknown): string {
  return `export default JSON.parse(${JSON.stringify(JSON.stringify(data))});`;
}

/** `virtual:lessons`: the course outline, and `loadLesson` passed on. */
function courseModule(course: Course): string {
  return [
    `export default JSON.parse(${JSON.stringify(JSON.stringify(courseOutline(course)))});`,
    `export { loadLesson } from ${JSON.stringify(LOADERS_ID)};`,
  ].join('\n');
}

/**
 * `virtual:lesson-loaders`: `loadLesson(id)` imports the lesson's own module. Each import names
 * its module literally, so the bundler makes one chunk per lesson. `hasFormulas(id)`: whether the
 * lesson shows KaTeX (the page's entry then asks for the formula fonts early).
 */
function loadersModule(course: Course): string {
  const loaders = Object.keys(course.lessons)
    .map((id) => `  ${JSON.stringify(id)}: () => import(${JSON.stringify(LESSON_PREFIX + id)}),`)
    .join('\n');
  const withFormulas = Object.entries(course.lessons)
    .filter(([, lesson]) => JSON.stringify(lesson).includes('class=\\"katex'))
    .map(([id]) => id);
  return [
    `const withFormulas = new Set(${JSON.stringify(withFormulas)});`,
    'export function hasFormulas(id) {',
    '  return withFormulas.has(id);',
    '}',
    `const loaders = {\n${loaders}\n};`,
    'export function loadLesson(id) {',
    '  if (!Object.hasOwn(loaders, id)) return Promise.reject(new Error(`there is no lesson "${id}"`));',
    '  return loaders[id]().then((m) => m.default);',
    '}',
  ].join('\n');
}

/**
 * Reads and validates lessons/quizzes/*.yaml (see src/lessons/quiz.ts), and checks that every
 * `quiz` widget of `course` names a quiz that exists. Problems come back as LessonError lines.
 */
export function loadQuizzesFrom(lessonsDir: string, course?: Course): { files: string[]; quizzes: Record<string, Quiz> } {
  const dir = path.join(lessonsDir, 'quizzes');
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort() : [];
  const files = names.map((n) => path.join(dir, n));
  let quizzes: Record<string, Quiz>;
  try {
    quizzes = parseQuizzes(names.map((n, i) => ({ file: `lessons/quizzes/${n}`, source: fs.readFileSync(files[i], 'utf8') })));
  } catch (err) {
    if (err instanceof QuizError) throw new LessonError(err.problems);
    throw err;
  }
  const problems: string[] = [];
  for (const lesson of Object.values(course?.lessons ?? {})) {
    for (const step of lesson.steps) {
      for (const block of step.blocks) {
        if (block.kind !== 'widget' || block.name !== 'quiz') continue;
        const id = String(block.params.quiz);
        if (!Object.hasOwn(quizzes, id)) {
          problems.push(`lessons/${lesson.id}.md: step "${step.id}": widget "quiz": params.quiz: no quiz "${id}" in lessons/quizzes (known: ${Object.keys(quizzes).join(', ')})`);
        }
      }
    }
  }
  if (problems.length > 0) throw new LessonError(problems);
  return { files, quizzes };
}

export function loadCourseFrom(lessonsDir: string) {
  const rel = (file: string) => path.join('lessons', path.relative(lessonsDir, file)).split(path.sep).join('/');
  const pathFile = path.join(lessonsDir, 'path.yaml');
  const glossaryFile = path.join(lessonsDir, 'glossary.yaml');
  const lessonFiles = fs
    .readdirSync(lessonsDir)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => path.join(lessonsDir, name));
  let glossary;
  try {
    glossary = parseGlossary(rel(glossaryFile), fs.readFileSync(glossaryFile, 'utf8'), (md) => renderInline(md));
  } catch (err) {
    throw new LessonError((err instanceof Error ? err.message : String(err)).split('\n'));
  }
  return {
    files: [pathFile, glossaryFile, ...lessonFiles],
    course: parseCourse(
      rel(pathFile),
      fs.readFileSync(pathFile, 'utf8'),
      lessonFiles.map((file) => ({ file: rel(file), source: fs.readFileSync(file, 'utf8') })),
      undefined,
      glossary,
    ),
  };
}

export function lessonsPlugin({ lessonsDir }: { lessonsDir: string }): Plugin {
  let serving = false;
  // Read once per build (every lesson's module needs it), again after a lesson file changes.
  let cached: ReturnType<typeof loadCourseFrom> | undefined;
  const readCourse = () => (cached ??= loadCourseFrom(lessonsDir));
  return {
    name: 'moe-tutor-lessons',
    buildStart() {
      cached = undefined;
    },
    configResolved(config) {
      serving = config.command === 'serve';
    },
    resolveId(id) {
      if (id === ASK_ID) return RESOLVED_ASK_ID;
      if (id.startsWith(LESSON_PREFIX)) return '\0' + id;
      if (id === LOADERS_ID) return RESOLVED_LOADERS_ID;
      return id === VIRTUAL_ID ? RESOLVED_ID : id === QUIZZES_ID ? RESOLVED_QUIZZES_ID : undefined;
    },
    load(id) {
      if (id === RESOLVED_ASK_ID) {
        try {
          const { files, course } = readCourse();
          if (!serving) files.forEach((file) => this.addWatchFile(file));
          return dataModule(buildAskData(course));
        } catch (err) {
          if (err instanceof LessonError) this.error(`lesson check failed:\n${err.problems.join('\n')}`);
          throw err;
        }
      }
      if (id === RESOLVED_QUIZZES_ID) {
        try {
          const { files, course } = readCourse();
          const quizzes = loadQuizzesFrom(lessonsDir, course);
          if (!serving) [...files, ...quizzes.files].forEach((file) => this.addWatchFile(file));
          return dataModule(quizzes.quizzes);
        } catch (err) {
          if (err instanceof LessonError) this.error(`quiz check failed:\n${err.problems.join('\n')}`);
          throw err;
        }
      }
      const lessonId = id.startsWith('\0' + LESSON_PREFIX) ? id.slice(LESSON_PREFIX.length + 1) : undefined;
      if (id !== RESOLVED_ID && id !== RESOLVED_LOADERS_ID && lessonId === undefined) return undefined;
      try {
        const { files, course } = readCourse();
        // `vite build --watch` rebuilds on lesson edits; the dev server reloads instead (below),
        // because there a watched file becomes an import of this module.
        if (!serving) files.forEach((file) => this.addWatchFile(file));
        if (id === RESOLVED_LOADERS_ID) return loadersModule(course);
        if (lessonId === undefined) return courseModule(course);
        if (!Object.hasOwn(course.lessons, lessonId)) this.error(`${LESSON_PREFIX}${lessonId}: there is no lesson "${lessonId}"`);
        return dataModule(course.lessons[lessonId]);
      } catch (err) {
        if (err instanceof LessonError) {
          // Plain lines, no stack: the message is the whole story for an author.
          this.error(`lesson check failed:\n${err.problems.join('\n')}`);
        }
        throw err;
      }
    },
    configureServer(server) {
      // Editing a lesson during `npm run dev` reloads the page with the new text.
      server.watcher.add(lessonsDir);
      const reload = (file: string) => {
        if (!file.startsWith(lessonsDir)) return;
        cached = undefined;
        for (const [resolved, mod] of server.moduleGraph.idToModuleMap) {
          if ([RESOLVED_ID, RESOLVED_LOADERS_ID, RESOLVED_QUIZZES_ID, RESOLVED_ASK_ID].includes(resolved) || resolved.startsWith('\0' + LESSON_PREFIX)) {
            server.moduleGraph.invalidateModule(mod);
          }
        }
        server.ws.send({ type: 'full-reload' });
      };
      server.watcher.on('change', reload);
      server.watcher.on('add', reload);
      server.watcher.on('unlink', reload);
    },
  };
}
