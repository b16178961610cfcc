// Vite plugin: reads lessons/ at build time, validates every lesson and the
// course map, and serves the result as the module `virtual:lessons`.
// A malformed lesson fails the build with `<file>: <place>: <reason>` lines.
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { LessonError, parseCourse } from './src/lessons/parse';
import { parseGlossary } from './src/lessons/glossary';
import { renderInline } from './src/lessons/markdown';

const VIRTUAL_ID = 'virtual:lessons';
const RESOLVED_ID = '\0' + VIRTUAL_ID;

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
  return {
    name: 'moe-tutor-lessons',
    configResolved(config) {
      serving = config.command === 'serve';
    },
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : undefined;
    },
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      try {
        const { files, course } = loadCourseFrom(lessonsDir);
        // `vite build --watch` rebuilds on lesson edits; the dev server reloads instead (below),
        // because there a watched file becomes an import of this module.
        if (!serving) files.forEach((file) => this.addWatchFile(file));
        return `export default ${JSON.stringify(course)};`;
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
        const mod = server.moduleGraph.getModuleById(RESOLVED_ID);
        if (mod) server.moduleGraph.invalidateModule(mod);
        server.ws.send({ type: 'full-reload' });
      };
      server.watcher.on('change', reload);
      server.watcher.on('add', reload);
      server.watcher.on('unlink', reload);
    },
  };
}
