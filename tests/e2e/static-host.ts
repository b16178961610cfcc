// A plain static file server for the e2e specs, standing in for GitHub Pages and friends: files
// only, the right content types, no COOP/COEP, no CSP, no compression, no SPA fallback. The
// folder it serves can be swapped while it runs (a new deployment).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticHost {
  url: string;
  /** Serve another folder from now on (deploy). */
  deploy(dir: string): void;
  close(): Promise<void>;
}

export async function serveStatic(dir: string): Promise<StaticHost> {
  let served = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname);
    let file = path.join(served, urlPath);
    if (!file.startsWith(served)) return void res.writeHead(403).end();
    if (urlPath.endsWith('/')) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    deploy: (next) => (served = path.resolve(next)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
