// Server-side rendering of the course's pages, run at build time by web/prerender-plugin.ts
// through Vite's SSR loader (never shipped to the browser).
import { render } from 'svelte/server';
import PrerenderedPage from './components/PrerenderedPage.svelte';
import type { CourseOutline, Lesson } from './lessons/types';

// The theme switch reads the system setting as it starts; on the server there is none (the
// page's theme is set before its first paint by web/theme-boot.js).
globalThis.matchMedia ??= ((query: string) => ({ matches: false, media: query })) as unknown as typeof matchMedia;

/** The inner HTML of #app for the map (no lesson) or a lesson page. */
export function renderPage(course: CourseOutline, lesson?: Lesson): string {
  return render(PrerenderedPage, { props: { course, lesson } }).body;
}
