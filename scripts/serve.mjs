// Serves the built tutor on localhost (the production build, with the same
// security headers as in tests) and prints the address to open. Responses are compressed
// (brotli or gzip, see lib/compressed-static.mjs). MOE_DIST_DIR serves another build folder.
import path from 'node:path';
import { preview } from 'vite';
import { compressedStatic } from './lib/compressed-static.mjs';

const port = Number(process.env.PORT || 4173);
const compression = compressedStatic();
const server = await preview({
  configFile: 'web/vite.config.ts',
  plugins: [compression],
  ...(process.env.MOE_DIST_DIR ? { build: { outDir: path.resolve(process.env.MOE_DIST_DIR) } } : {}),
  preview: { port, strictPort: true, host: '127.0.0.1' },
  logLevel: 'warn',
});
await compression.ready; // the whole build is compressed: no visitor waits for brotli
const url = server.resolvedUrls?.local?.[0] ?? `http://127.0.0.1:${port}/`;
console.log(`\nMoE Tutor is running at ${url}\nOpen it in your browser. Press Ctrl+C to stop.\n`);
