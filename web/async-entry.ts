// Vite plugin: marks the page's entry script `async`. A deferred (plain module) script waits for
// the HTML parser and for every stylesheet before it runs; an async one runs as soon as it has
// arrived. The entry only starts the engine worker and imports the player, which needs no styles
// to be computed, so the worker (and the wasm download) starts sooner.
import type { Plugin } from 'vite';

export function asyncEntry(): Plugin {
  return {
    name: 'moe-async-entry',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const entries = html.match(/<script type="module" crossorigin src=/g) ?? [];
        if (entries.length !== 1) throw new Error(`asyncEntry: expected one entry script in index.html, found ${entries.length}`);
        return html.replace('<script type="module" crossorigin src=', '<script type="module" async crossorigin src=');
      },
    },
  };
}
