// Hash routes: `#/` is the course map, `#/lesson/<id>/<step>?<widget state>`
// a lesson opened at a step. Hash routing keeps the app a set of static files.

export type Route =
  | { page: 'map' }
  | { page: 'lesson'; lessonId: string; stepId: string | null; query: URLSearchParams };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart, queryPart = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'lesson' && parts[1]) {
    return { page: 'lesson', lessonId: parts[1], stepId: parts[2] ?? null, query: new URLSearchParams(queryPart) };
  }
  return { page: 'map' };
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
