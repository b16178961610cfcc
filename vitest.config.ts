// Vitest for the web side: lesson parsing, URL state, progress, the engine
// client. Runs in Node; @engine-wasm points at the CMake wasm build. The Svelte
// plugin compiles the runes of `.svelte.ts` modules (reactive classes) that tests import.
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  plugins: [svelte({ configFile: false })],
  resolve: {
    alias: {
      // MOE_WASM_DIR: test against another wasm build directory (same as web/vite.config.ts).
      '@engine-wasm': process.env.MOE_WASM_DIR ?? fileURLToPath(new URL('./build/wasm', import.meta.url)),
    },
  },
  test: {
    include: ['tests/web/**/*.test.ts'],
    environment: 'node',
  },
});
