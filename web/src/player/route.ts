// Hash routes: `#/` is the course map, `#/lesson/<id>/<step>?<widget state>`
// a lesson opened at a step. Hash routing keeps the app a set of static files.

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
