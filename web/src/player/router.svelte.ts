// The current hash route as reactive state. `replace` rewrites the URL
// without a history entry (step changes, widget state); `visits` counts
// navigations that came from outside (links, back/forward, typed URLs), so a
// lesson page knows when to re-read its state from the URL. `rewrite` maps
// retired links (a lesson that was split) to their new place before anyone sees them.
import { parseHash } from './route';
import type { Route } from './route';
import { notices } from './notices.svelte';

/** A damaged or over-long link is still opened; the player says what it ignored. */
function reported(route: Route): Route {
  if (route.notice) notices.show('link', route.notice);
  return route;
}

export class Router {
  route: Route;
  visits = $state(0);

  constructor(private readonly rewrite: (hash: string) => string | null = () => null) {
    this.route = $state(reported(parseHash(this.current())));
    window.addEventListener('hashchange', () => {
      this.route = reported(parseHash(this.current()));
      this.visits += 1;
    });
  }

  /** location.hash, after rewriting a retired link in place (no history entry). */
  private current(): string {
    const moved = this.rewrite(location.hash);
    if (moved && moved !== location.hash) history.replaceState(history.state, '', moved);
    return moved ?? location.hash;
  }

  replace(hash: string): void {
    if (location.hash === hash) return;
    history.replaceState(history.state, '', hash);
    this.route = parseHash(hash);
  }
}
