// Serves the built tutor on localhost (the production build, with the same
// security headers as in tests) and prints the address to open.
import { preview } from 'vite';

const port = Number(process.env.PORT || 4173);
const server = await preview({
  configFile: 'web/vite.config.ts',
  preview: { port, strictPort: true, host: '127.0.0.1' },
  logLevel: 'warn',
});
const url = server.resolvedUrls?.local?.[0] ?? `http://127.0.0.1:${port}/`;
console.log(`\nMoE Tutor is running at ${url}\nOpen it in your browser. Press Ctrl+C to stop.\n`);
