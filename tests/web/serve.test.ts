// `npm start`'s server (scripts/serve.mjs) sends brotli or gzip when the browser asks for it and
// the plain file when it does not, always with `Vary: Accept-Encoding` and the same security
// headers as uncompressed responses. Runs the real script against a small fake build folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const repo = fileURLToPath(new URL('../../', import.meta.url));

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

function get(port: number, urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// A fake build: text that compresses well, a "wasm" file, an already-compressed font, a tiny file.
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-serve-'));
// The server's disk cache of compressed bodies (MOE_COMPRESSED_CACHE), seeded before it starts.
const diskCache = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-serve-cache-'));
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const cacheEntry = (rel: keyof typeof files, encoding: string) => path.join(diskCache, `${sha256(files[rel])}.${encoding}`);
const files = {
  'index.html': `<!doctype html><title>t</title><p>${'hello experts '.repeat(200)}</p>`,
  'assets/app.js': `export const words = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `expert-${i % 17}`))};\n`,
  'assets/engine.wasm': Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(20_000, 7)]),
  'assets/font.woff2': Buffer.alloc(4096, 3),
  'assets/tiny.js': 'export {};\n',
};

let server: ChildProcess;
let port = 0;

beforeAll(async () => {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    fs.writeFileSync(path.join(dist, rel), content);
  }
  // A valid entry that differs from what the server would make (brotli at quality 1, not 11); a
  // damaged one; one that decompresses to other bytes than its name says.
  fs.writeFileSync(cacheEntry('index.html', 'br'), seededIndex);
  fs.writeFileSync(cacheEntry('assets/app.js', 'gzip'), 'not gzip at all');
  fs.writeFileSync(cacheEntry('assets/app.js', 'br'), zlib.brotliCompressSync('export const words = [];\n'));
  port = await freePort();
  server = spawn(process.execPath, ['scripts/serve.mjs'], {
    cwd: repo,
    env: { ...process.env, PORT: String(port), MOE_DIST_DIR: dist, MOE_COMPRESSED_CACHE: diskCache },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      log += c;
      if (log.includes('is running at')) resolve();
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.on('exit', (code) => reject(new Error(`serve.mjs exited (${code}):\n${log}`)));
  });
}, 60_000);

afterAll(() => {
  server?.kill();
  fs.rmSync(dist, { recursive: true, force: true });
  fs.rmSync(diskCache, { recursive: true, force: true });
});

const original = (rel: keyof typeof files) => Buffer.from(files[rel]);

function expectSecurityHeaders(r: Reply) {
  expect(r.headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
}

const seededIndex = zlib.brotliCompressSync(files['index.html'], { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });

describe('scripts/serve.mjs compression', () => {
  it('keeps compressed bodies on disk by content hash and reuses them; a damaged entry is made again', async () => {
    // Reused: the seeded entry is sent as it is, so the server did not compress index.html itself.
    const page = await get(port, '/', { 'Accept-Encoding': 'br' });
    expect(page.body.equals(seededIndex)).toBe(true);
    // Written: the wasm file's brotli body is on disk under its hash, and is what was sent.
    const wasm = await get(port, '/assets/engine.wasm', { 'Accept-Encoding': 'br' });
    expect(fs.readFileSync(cacheEntry('assets/engine.wasm', 'br')).equals(wasm.body)).toBe(true);
    // Damaged, or holding other bytes: not sent; the file goes out correctly compressed and the
    // entry is replaced.
    const app = await get(port, '/assets/app.js', { 'Accept-Encoding': 'gzip' });
    expect(zlib.gunzipSync(app.body).equals(original('assets/app.js'))).toBe(true);
    expect(zlib.gunzipSync(fs.readFileSync(cacheEntry('assets/app.js', 'gzip'))).equals(original('assets/app.js'))).toBe(true);
    const appBr = await get(port, '/assets/app.js', { 'Accept-Encoding': 'br' });
    expect(zlib.brotliDecompressSync(appBr.body).equals(original('assets/app.js'))).toBe(true);
    expect(zlib.brotliDecompressSync(fs.readFileSync(cacheEntry('assets/app.js', 'br'))).equals(original('assets/app.js'))).toBe(true);
  });

  it('sends brotli when the browser accepts it, with the right headers', async () => {
    const r = await get(port, '/assets/engine.wasm', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['vary']).toMatch(/Accept-Encoding/i);
    expect(r.headers['content-type']).toBe('application/wasm');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(original('assets/engine.wasm').length / 10);
    expect(zlib.brotliDecompressSync(r.body).equals(original('assets/engine.wasm'))).toBe(true);
    expectSecurityHeaders(r);
  });

  it('sends gzip when brotli is not accepted (or refused with q=0)', async () => {
    for (const accept of ['gzip', 'br;q=0, gzip;q=0.5']) {
      const r = await get(port, '/assets/app.js', { 'Accept-Encoding': accept });
      expect(r.headers['content-encoding'], accept).toBe('gzip');
      expect(r.headers['content-type']).toMatch(/^text\/javascript/);
      expect(zlib.gunzipSync(r.body).equals(original('assets/app.js'))).toBe(true);
      expectSecurityHeaders(r);
    }
  });

  it('sends the plain file when no encoding is accepted, still saying it varies', async () => {
    const asks: Record<string, string>[] = [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': 'br;q=0, gzip;q=0' }];
    for (const headers of asks) {
      const r = await get(port, '/assets/engine.wasm', headers);
      expect(r.status).toBe(200);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.headers['vary']).toMatch(/Accept-Encoding/i);
      expect(r.body.equals(original('assets/engine.wasm'))).toBe(true);
      expectSecurityHeaders(r);
    }
  });

  it('compresses the page itself at /', async () => {
    const r = await get(port, '/', { 'Accept-Encoding': 'br' });
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(zlib.brotliDecompressSync(r.body).toString()).toBe(files['index.html']);
    expectSecurityHeaders(r);
  });

  it('leaves already-compressed fonts and tiny files alone', async () => {
    for (const rel of ['assets/font.woff2', 'assets/tiny.js'] as const) {
      const r = await get(port, `/${rel}`, { 'Accept-Encoding': 'br, gzip' });
      expect(r.headers['content-encoding'], rel).toBeUndefined();
      expect(r.body.equals(original(rel))).toBe(true);
      expectSecurityHeaders(r);
    }
  });

  it('answers a repeated request with 304 when the ETag matches, and HEAD without a body', async () => {
    const first = await get(port, '/assets/app.js', { 'Accept-Encoding': 'br' });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/br"$/);
    const again = await get(port, '/assets/app.js', { 'Accept-Encoding': 'br', 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const gz = await get(port, '/assets/app.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': etag });
    expect(gz.status).toBe(200); // another encoding is another representation
    const head = await get(port, '/assets/app.js', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.headers['content-encoding']).toBe('br');
    expect(Number(head.headers['content-length'])).toBe(first.body.length);
    expect(head.body.length).toBe(0);
  });
});
