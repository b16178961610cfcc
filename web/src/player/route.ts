// Routes. Inside the player a place is a route key: `#/` is the course map,
// `#/lesson/<id>/<step>?<widget state>` a lesson opened at a step (progress stores these keys,
// and links written before lessons had their own pages look the same). In the address bar a
// lesson has its own page, prerendered at build time: `<root>lesson/<id>/#<step>?<widget state>`,
// the map is `<root>`. Both are plain static files; keyOfAddress and addressOf convert.

/** `notice`: the link was damaged or too long and part of it was ignored (the player says so). */
export type Route =
  | { page: 'map'; notice?: string }
  | { page: 'lesson'; lessonId: string; stepId: string | null; query: URLSearchParams; notice?: string };

/** Longest hash read as it is; real links are a few hundred characters. Longer ones lose their widget settings. */
export const MAX_HASH_LENGTH = 8192;
/** Longest lesson/step part of a hash (ids are short slugs). */
const MAX_PATH_LENGTH = 512;

export const longLinkNotice = 'This link was too long to read in full, so its widget settings were ignored and the defaults are shown.';
export const damagedLinkNotice = 'Part of this link was damaged and was ignored.';

/** decodeURIComponent that gives null instead of throwing on a malformed escape (`%E0%A4%A`). */
function decodePart(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parseHash(hash: string): Route {
  const raw = String(hash ?? '').replace(/^#/, '');
  const cut = raw.indexOf('?');
  const pathPart = cut < 0 ? raw : raw.slice(0, cut);
  let queryPart = cut < 0 ? '' : raw.slice(cut + 1);
  let notice: string | undefined;
  if (pathPart.length > MAX_PATH_LENGTH) return { page: 'map', notice: damagedLinkNotice };
  if (raw.length > MAX_HASH_LENGTH) {
    queryPart = '';
    notice = longLinkNotice;
  }
  const parts = pathPart.split('/').filter(Boolean).map(decodePart);
  if (parts.some((p) => p === null)) return { page: 'map', notice: damagedLinkNotice };
  if (parts[0] === 'lesson' && parts[1]) {
    const route: Route = { page: 'lesson', lessonId: parts[1], stepId: parts[2] ?? null, query: new URLSearchParams(queryPart) };
    return notice ? { ...route, notice } : route;
  }
  return notice ? { page: 'map', notice } : { page: 'map' };
}

/** Query text with commas left readable (`pred=0,2`, not `pred=0%2C2`). */
export function formatQuery(query: URLSearchParams): string {
  return query.toString().replace(/%2C/gi, ',');
}

export function lessonHash(lessonId: string, stepId?: string | null, query?: URLSearchParams): string {
  let hash = `#/lesson/${encodeURIComponent(lessonId)}`;
  if (stepId) hash += `/${encodeURIComponent(stepId)}`;
  const q = query ? formatQuery(query) : '';
  return q ? `${hash}?${q}` : hash;
}

export const mapHash = '#/';

/** The lesson folder of a page address: `/course/lesson/top2-cut/` → `top2-cut` (still URL-encoded). */
const LESSON_PAGE = /\/lesson\/([^/]+)\/(?:index\.html)?$/;

/**
 * The folder the course is served from, from a page's path: `/` for a site of its own,
 * `/moe-tutor/` on a GitHub Pages project site. The map is its index; a lesson sits two folders down.
 */
export function appRootOf(pathname: string): string {
  const lesson = LESSON_PAGE.exec(pathname);
  return lesson ? pathname.slice(0, lesson.index + 1) : pathname.replace(/[^/]*$/, '');
}

/**
 * The route key of a page address. A hash that is itself a key (`#/lesson/...`, `#/`: an old link,
 * or a link in lesson prose) wins over the page it was opened on.
 */
export function keyOfAddress(pathname: string, hash: string): string {
  if (hash.startsWith('#/')) return hash;
  const lesson = LESSON_PAGE.exec(pathname);
  if (!lesson) return mapHash;
  const rest = hash.replace(/^#/, ''); // `<step>?<state>`
  const cut = rest.indexOf('?');
  const step = cut < 0 ? rest : rest.slice(0, cut);
  const query = cut < 0 ? '' : rest.slice(cut);
  return `#/lesson/${lesson[1]}${step ? `/${step}` : ''}${query}`;
}

/**
 * The page address (path and hash, under `root`) of a route key: the inverse of keyOfAddress.
 * What parseHash ignores (a damaged part, an over-long query) is left out of the address too.
 */
export function addressOf(key: string, root: string): string {
  const route = parseHash(key);
  if (route.page === 'map') return root;
  const query = formatQuery(route.query);
  const hash = (route.stepId ? encodeURIComponent(route.stepId) : '') + (query ? `?${query}` : '');
  return `${root}lesson/${encodeURIComponent(route.lessonId)}/${hash ? `#${hash}` : ''}`;
}

/** The course's root folder for this page (`/` outside a browser, e.g. in unit tests). */
export const pageRoot = (): string => (typeof location === 'undefined' ? '/' : appRootOf(location.pathname));

/** An href for a route key, for links the player renders: a lesson's own page, the map's index. */
export const linkTo = (key: string): string => addressOf(key, pageRoot());

/** The route of the page the browser is showing. */
export const routeOfPage = (): Route => parseHash(keyOfAddress(location.pathname, location.hash));
