// Vite plugin (build only): writes one HTML page per lesson, `lesson/<id>/index.html`, and fills
// the map's index.html, each with its text prerendered by the player's own Svelte components
// (src/prerender.ts, through Vite's SSR loader). A reader sees the lesson's prose, formulas and
// checks before any JavaScript runs, or without it; the player then takes over the page
// (src/start.ts). Every address in a page is relative, so dist/ works from any folder of any host.
import path from 'node:path';
import { createServer } from 'vite';
import type { Plugin, UserConfig } from 'vite';
import type { OutputAsset } from 'rollup';
import { loadCourseFrom } from './lesson-plugin';
import { courseOutline } from './src/lessons/outline';
import { addressOf } from './src/player/route';
import type { CourseOutline, Lesson } from './src/lessons/types';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * `template` (the built index.html) with `body` in #app, the page's title and description, and
 * every relative address moved to a page `root` folders up (`./` for the map, `../../` for a lesson).
 */
export function fillPage(template: string, page: { id: string; title: string; description?: string; body: string; root: string }): string {
  // Links the components wrote from the site root (`/lesson/x/`, route.ts linkTo on the server),
  // and route keys in lesson prose (`#/lesson/x`), become relative to this page.
  const body = page.body
    .replace(/href="\/(?!\/)/g, `href="${page.root}`)
    .replace(/href="(#\/[^"]*)"/g, (_, key: string) => `href="${addressOf(key.replace(/&amp;/g, '&'), page.root).replace(/&/g, '&amp;')}"`);
  let filled = template
    .replace(/(\s(?:src|href)=")\.\//g, `$1${page.root}`)
    .replace(/<title>[^<]*<\/title>/, () => `<title>${escapeHtml(page.title)}</title>`)
    .replace('<div id="app"></div>', () => `<div id="app" data-prerendered="${escapeHtml(page.id)}">${body}</div>`);
  if (page.description) filled = filled.replace(/(<meta name="description" content=")[^"]*"/, (_, start: string) => `${start}${escapeHtml(page.description!)}"`);
  if (!filled.includes('data-prerendered')) throw new Error('prerender: the page template has no <div id="app"></div>');
  return filled;
}

export function prerenderPages({ lessonsDir, ssrConfig }: { lessonsDir: string; ssrConfig: UserConfig }): Plugin {
  return {
    name: 'moe-prerender',
    apply: 'build',
    enforce: 'post',
    async generateBundle(_options, bundle) {
      const index = bundle['index.html'] as OutputAsset | undefined;
      if (!index || index.type !== 'asset') this.error('prerender: the build has no index.html');
      const template = String(index.source);
      const { course } = loadCourseFrom(lessonsDir);
      const outline = courseOutline(course);
      // A throwaway SSR loader with the app's own plugins: the components compile for the server.
      const server = await createServer({ ...ssrConfig, configFile: false, logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false, ws: false, watch: null } });
      try {
        const { renderPage } = (await server.ssrLoadModule(path.join(lessonsDir, '../web/src/prerender.ts'))) as {
          renderPage: (course: CourseOutline, lesson?: Lesson) => string;
        };
        index.source = fillPage(template, { id: 'map', title: 'MoE Tutor', body: renderPage(outline), root: './' });
        for (const lesson of Object.values(course.lessons)) {
          this.emitFile({
            type: 'asset',
            fileName: `lesson/${lesson.id}/index.html`,
            source: fillPage(template, {
              id: lesson.id,
              title: `${lesson.title} · MoE Tutor`,
              description: lesson.summary,
              body: renderPage(outline, lesson),
              root: '../../',
            }),
          });
        }
      } finally {
        await server.close();
      }
    },
  };
}
