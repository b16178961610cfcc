// The current route as reactive state. Each lesson has its own page address
// (route.ts), and the player moves between them with the History API: following a
// link to the map or a lesson changes the address without loading a page, so the engine
// keeps running. `replace` rewrites the address without a history entry (step changes,
// widget state); `visits` counts navigations that came from outside the lesson page
// (links, back/forward, typed addresses), so a lesson page knows when to re-read its state.
// `rewrite` maps retired links (a lesson that was split) to their new place before anyone
// sees them. Old `#/lesson/...` links on the map's address are moved to the lesson's own
// address in place, with no reload.
import { addressOf, appRootOf, keyOfAddress, parseHash } from './route';
import type { Route } from './route';
import { notices } from './notices.svelte';

/** A damaged or over-long link is still opened; the player says what it ignored. */
function reported(route: Route): Route {
  if (route.notice) notices.show('link', route.notice);
  return route;
}

/** Whether a click is a plain left click that the browser would follow in this tab. */
function isPlainClick(e: MouseEvent): boolean {
  return !e.defaultPrevented && e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

export class Router {
  route: Route;
  visits = $state(0);
  /** The course's folder on this host (`/`, or `/<repo>/` on GitHub Pages). */
  readonly root = appRootOf(location.pathname);

  constructor(private readonly rewrite: (key: string) => string | null = () => null) {
    this.route = $state(reported(parseHash(this.current())));
    // Back/forward, and a hash typed or followed by the browser itself.
    window.addEventListener('popstate', () => this.arrive());
    document.addEventListener('click', (e) => this.follow(e));
  }

  /** The route key of the address, after moving a retired or old-style link to its place (no history entry). */
  private current(): string {
    const key = keyOfAddress(location.pathname, location.hash);
    const moved = this.rewrite(key) ?? key;
    const address = addressOf(moved, this.root);
    if (address !== location.pathname + location.hash) history.replaceState(history.state, '', address);
    return moved;
  }

  private arrive(): void {
    this.route = reported(parseHash(this.current()));
    this.visits += 1;
  }

  /** A link to the map or a lesson of this course opens in place; anything else the browser follows. */
  private follow(e: MouseEvent): void {
    const link = e.target instanceof Element ? e.target.closest('a[href]') : null;
    if (!(link instanceof HTMLAnchorElement) || !isPlainClick(e) || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(this.root)) return;
    const rest = url.pathname.slice(this.root.length);
    if (!/^(?:index\.html)?$|^lesson\/[^/]+\/(?:index\.html)?$/.test(rest)) return;
    const written = link.getAttribute('href') ?? '';
    if (written.startsWith('#') && !written.startsWith('#/')) return; // an anchor within this page (`#main`)
    e.preventDefault();
    const address = addressOf(keyOfAddress(url.pathname, url.hash), this.root);
    history.pushState(null, '', address);
    this.arrive();
  }

  replace(key: string): void {
    const address = addressOf(key, this.root);
    if (location.pathname + location.hash === address) return;
    history.replaceState(history.state, '', address);
    this.route = parseHash(key);
  }
}
