// Vite config for the lesson player. Root is web/, the build lands in ../dist,
// and the engine's Emscripten output is reached through the @engine-wasm alias.
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { corpusPlugin } from './corpus-plugin';
import { lessonsPlugin } from './lesson-plugin';
import { prerenderPages } from './prerender-plugin';
import { themeBoot } from './theme-boot-plugin';
import { metaContentSecurityPolicy, securityHeaders } from './src/security-policy';

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

const lessonsDir = path.join(repo, 'lessons');
const alias = { '@engine-wasm-mt': engineWasmMt, '@engine-wasm': engineWasm };

/**
 * The strict CSP (src/security-policy.ts) as the first tag of every built page, for hosts that
 * send no headers (GitHub Pages). Where the header is sent too, both hold the same policy.
 */
const cspMetaTag: Plugin = {
  name: 'moe-csp-meta',
  apply: 'build',
  transformIndexHtml: (html) => {
    const charset = '<meta charset="UTF-8" />';
    if (!html.includes(charset)) throw new Error(`moe-csp-meta: index.html has no ${charset}`);
    return html.replace(charset, () => `${charset}\n    <meta http-equiv="Content-Security-Policy" content="${metaContentSecurityPolicy}" />`);
  },
};

/** Installable (web manifest, icons) and offline after the first visit (src/sw.ts; README "Deploying"). */
const offlineCourse = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'src',
  filename: 'sw.ts',
  // The page registers the worker itself, after its first engine answer (src/player/offline.svelte.ts).
  injectRegister: false,
  registerType: 'prompt',
  manifest: {
    name: 'MoE Tutor',
    short_name: 'MoE Tutor',
    description: 'Learn Mixture-of-Experts layers by watching a real engine route tokens, live in your browser.',
    start_url: './',
    scope: './',
    display: 'standalone',
    background_color: '#ffffff',
    theme_color: '#1d3b6e',
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
    ],
  },
  injectManifest: {
    // The shell, every lesson page, both engine builds, the woff2 formula fonts (browsers that
    // read woff2 never ask for KaTeX's .woff/.ttf fallbacks), the manifest and icons. Large
    // assets under models/ are cached on first use instead (sw.ts).
    globPatterns: ['**/*.{html,js,mjs,css,wasm,woff2,webmanifest,png,svg}'],
    globIgnores: ['models/**'],
    maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
    rollupFormat: 'es',
    buildPlugins: { vite: [] },
  },
});

export default defineConfig({
  root: path.join(repo, 'web'),
  base: './',
  plugins: [
    lessonsPlugin({ lessonsDir }),
    svelte(),
    cspMetaTag,
    themeBoot,
    corpusPlugin(repo),
    prerenderPages({ lessonsDir, ssrConfig: { root: path.join(repo, 'web'), plugins: [lessonsPlugin({ lessonsDir }), svelte()], resolve: { alias } } }),
    offlineCourse,
  ],
  resolve: { alias },
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
