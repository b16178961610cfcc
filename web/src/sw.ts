// The course's service worker (built by vite-plugin-pwa, injectManifest): after the first visit
// the whole course works offline, and a host that cannot send headers still gets threads.
//
// - Precache: the app shell, every lesson page, both engine builds (wasm and their scripts), the
//   formula fonts and the manifest and icons, listed with their revisions at build time. A new
//   deployment installs beside the old one and waits; the page asks the learner (player/offline.ts)
//   and only then takes over, so one page never mixes two builds (every asset name carries its hash).
// - Large assets under models/ are cached on first use (cache first); the page's own fetch shows
//   their progress.
// - Every same-origin response gets COOP/COEP (cross-origin isolation: the engine's two threads)
//   and, for pages, the Content-Security-Policy header, which a meta tag cannot fully carry
//   (frame-ancestors). A host that already sends them is unaffected: the values are the same.
/// <reference lib="webworker" />
import { addPlugins, cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkOnly } from 'workbox-strategies';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import type { WorkboxPlugin } from 'workbox-core';
import { contentSecurityPolicy, isolationHeaders } from './security-policy';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

/** `response` with the isolation headers (and the CSP for a page) added; opaque and error responses pass as they are. */
function withSecurityHeaders(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(isolationHeaders)) headers.set(name, value);
  if ((headers.get('content-type') ?? '').startsWith('text/html') && !headers.has('content-security-policy')) {
    headers.set('Content-Security-Policy', contentSecurityPolicy);
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const securityHeaders: WorkboxPlugin = { handlerWillRespond: async ({ response }) => withSecurityHeaders(response) };

addPlugins([securityHeaders]);
// `lesson/<id>/` is served from `lesson/<id>/index.html`; the hash (step, widget state) never reaches here.
precacheAndRoute(self.__WB_MANIFEST, { directoryIndex: 'index.html', cleanURLs: false });
cleanupOutdatedCaches();

const sameOrigin = (url: URL) => url.origin === self.location.origin;
const scopePath = new URL(self.registration.scope).pathname;

registerRoute(
  ({ url }) => sameOrigin(url) && url.pathname.startsWith(`${scopePath}models/`),
  new CacheFirst({ cacheName: 'moe-tutor-models', plugins: [new CacheableResponsePlugin({ statuses: [200] }), securityHeaders] }),
);
// Anything else of this site (not precached): the network, with the same headers.
registerRoute(({ url }) => sameOrigin(url), new NetworkOnly({ plugins: [securityHeaders] }));

// The page's "Update" button (player/offline.ts) lets a waiting new version take over.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
