// The current hash route as reactive state. `replace` rewrites the URL
// without a history entry (step changes, widget state); `visits` counts
// navigations that came from outside (links, back/forward, typed URLs), so a
// lesson page knows when to re-read its state from the URL.
import { parseHash } from './route';
import type { Route } from './route';

export class Router {
  route: Route = $state(parseHash(location.hash));
  visits = $state(0);

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseHash(location.hash);
      this.visits += 1;
    });
  }

  replace(hash: string): void {
    if (location.hash === hash) return;
    history.replaceState(history.state, '', hash);
    this.route = parseHash(hash);
  }
}
