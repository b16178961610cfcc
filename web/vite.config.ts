// Vite config for the lesson player. Root is web/, the build lands in ../dist,
// and the engine's Emscripten output is reached through the @engine-wasm alias.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { lessonsPlugin } from './lesson-plugin';
import { preloadChunkOf } from './preload-chunk';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// MOE_WASM_DIR lets a second checkout or build (e.g. a threaded or experimental one) stand in.
const engineWasm = process.env.MOE_WASM_DIR ? path.resolve(process.env.MOE_WASM_DIR) : path.join(repo, 'build/wasm');
// The threaded build (-pthread; loaded when the page is cross-origin isolated, engine/load.ts):
// MOE_WASM_MT_DIR, else the folder beside MOE_WASM_DIR with "-mt" added, else build/wasm-mt.
const engineWasmMt = process.env.MOE_WASM_MT_DIR
  ? path.resolve(process.env.MOE_WASM_MT_DIR)
  : process.env.MOE_WASM_DIR
    ? `${engineWasm}-mt`
    : path.join(repo, 'build/wasm-mt');

// Strict CSP: no eval (the engine is built with -sDYNAMIC_EXECUTION=0), wasm allowed.
// COOP/COEP make the page cross-origin isolated, so the engine worker loads its threaded build.
const securityHeaders = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: path.join(repo, 'web'),
  base: './',
  plugins: [lessonsPlugin({ lessonsDir: path.join(repo, 'lessons') }), svelte(), preloadChunkOf('/src/start.ts')],
  resolve: { alias: { '@engine-wasm-mt': engineWasmMt, '@engine-wasm': engineWasm } },
  worker: { format: 'es' },
  build: {
    // One stylesheet, linked by the HTML (~17 kB compressed for the whole course): a widget's code
    // then runs as soon as it arrives instead of waiting for its own CSS file (measured ~40 ms
    // sooner to the first engine number on the first lesson).
    cssCodeSplit: false,
    outDir: path.join(repo, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      // zod ships a misplaced /*#__PURE__*/ comment; Rollup drops it harmlessly but says so on every build.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: { headers: securityHeaders, fs: { allow: [repo, engineWasm, engineWasmMt] } },
  preview: { headers: securityHeaders },
});
