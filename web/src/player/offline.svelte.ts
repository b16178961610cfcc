// The service worker from the page's side (the worker itself is src/sw.ts): registered by boot.ts
// once the first lesson is on screen and the engine has answered, so precaching the course never
// competes with the first visit; and a "new version" prompt when a new deployment has installed. The new
// version takes over only when the learner accepts, and then the page reloads at once, so a page
// never runs one build's code with another build's engine.
import { pageRoot } from './route';

class OfflineState {
  /** A new deployment is installed and waits for the learner's go-ahead. */
  updateReady = $state(false);
  private acceptUpdate: (() => void) | null = null;

  /** Let the waiting version take over; the page reloads when it does. */
  accept(): void {
    this.acceptUpdate?.();
  }

  offer(accept: () => void): void {
    this.acceptUpdate = accept;
    this.updateReady = true;
  }
}

export const offline = new OfflineState();

/** Registers `<course root>/sw.js` (scope: the whole course); nothing where service workers are unavailable. */
export async function registerServiceWorker(): Promise<void> {
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
  const { Workbox } = await import('workbox-window');
  const root = pageRoot();
  const wb = new Workbox(`${root}sw.js`, { scope: root });
  // Another version took control (this tab's accept, or another tab's): reload to run it whole.
  // (The very first install takes no control of an open page, so the first visit never reloads.)
  const hadController = navigator.serviceWorker.controller !== null;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!hadController || reloading) return;
    reloading = true;
    location.reload();
  });
  wb.addEventListener('waiting', () => offline.offer(() => wb.messageSkipWaiting()));
  try {
    await wb.register();
  } catch {
    // No service worker (a private window, a host that blocks it): the course works online only.
  }
}
