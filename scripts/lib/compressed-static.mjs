// Serves the production build's text and wasm files compressed (brotli, else gzip), negotiated by
// Accept-Encoding, for `vite preview` (scripts/serve.mjs). Vite's own preview compression only
// gzips text types as a stream (no Content-Length) and never the wasm engine, the largest file.
//
// Each file is compressed once, in memory: the server compresses the whole build at start-up
// (zlib runs off the main thread; `plugin.ready` settles when it is done, so the first visitor
// does not wait for brotli) and again when a file changes. The compressed bodies are kept on disk
// too, by the SHA-256 of what they hold (build/compressed-cache/, or MOE_COMPRESSED_CACHE): brotli
// at quality 11 over the whole build keeps both cores busy for about 6 s, and `npm test` and the
// benches start this server several times on the same build. An entry is used only if it
// decompresses to the file's bytes, so a damaged one costs a recompression, never a wrong page.
//
// Fonts (woff2 is already compressed; a browser that reads woff2 never asks for the ttf), images
// and requests that accept neither encoding fall through to Vite's static handler, which sends
// identity. Every compressible response says `Vary: Accept-Encoding`, so a cache never hands
// brotli to a client that did not ask for it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat as statAsync, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const unbrotli = promisify(zlib.brotliDecompress);
const gunzip = promisify(zlib.gunzip);

const DISK_CACHE = process.env.MOE_COMPRESSED_CACHE || fileURLToPath(new URL('../../build/compressed-cache/', import.meta.url));
/** Disk entries unused for this long are deleted when a server starts. */
const DISK_CACHE_DAYS = 14;

/** Extensions worth compressing, with the Content-Type to send. */
export const COMPRESSIBLE_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Files smaller than this go out as they are: the headers would cost more than the saving. */
const MIN_BYTES = 1024;

/**
 * The encoding to send for an Accept-Encoding header: 'br' if accepted, else 'gzip', else null.
 * Honours q-values (`br;q=0` refuses brotli) and `*`.
 */
export function negotiateEncoding(acceptEncoding) {
  const q = new Map();
  for (const part of String(acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const accepted = (enc) => (q.has(enc) ? q.get(enc) > 0 : (q.get('*') ?? 0) > 0);
  if (accepted('br')) return 'br';
  if (accepted('gzip')) return 'gzip';
  return null;
}

function compress(body, encoding) {
  if (encoding === 'br') {
    return brotli(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
  }
  return gzip(body, { level: 9 });
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** compress(), through the disk cache: a hit that decompresses to `body` is reused and touched. */
async function compressCached(body, encoding) {
  const key = sha256(body);
  const file = path.join(DISK_CACHE, `${key}.${encoding}`);
  try {
    const hit = await readFile(file);
    const back = await (encoding === 'br' ? unbrotli(hit) : gunzip(hit));
    if (sha256(back) === key) {
      const now = new Date();
      await utimes(file, now, now).catch(() => {});
      return hit;
    }
  } catch {
    // no entry yet, or a damaged one: compress again
  }
  const out = await compress(body, encoding);
  try {
    // Written aside, then renamed: a reader never sees half an entry.
    await mkdir(DISK_CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, out);
    await rename(tmp, file);
  } catch {
    // a read-only checkout still serves, compressing at each start
  }
  return out;
}

/** Deletes disk entries (and stray temporary files) unused for DISK_CACHE_DAYS. */
async function pruneDiskCache() {
  const oldest = Date.now() - DISK_CACHE_DAYS * 86_400_000;
  for (const name of existsSync(DISK_CACHE) ? readdirSync(DISK_CACHE) : []) {
    const file = path.join(DISK_CACHE, name);
    const st = await statAsync(file).catch(() => null);
    if (st && st.mtimeMs < oldest) await rm(file, { force: true });
  }
}

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/**
 * A Vite plugin whose preview middleware answers GET/HEAD for compressible files of the build
 * output with a compressed body, sending `preview.headers` (the security headers) as Vite does for
 * the files it serves itself.
 */
export function compressedStatic() {
  // key `${file}\0${mtimeMs}\0${encoding}` → Promise<{ body, etag }>
  const cache = new Map();
  const entry = (file, stat, encoding) => {
    const key = `${file}\0${stat.mtimeMs}\0${encoding}`;
    if (!cache.has(key)) {
      const job = compressCached(readFileSync(file), encoding).then((body) => ({
        body,
        etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}-${encoding}"`,
      }));
      job.catch(() => cache.delete(key)); // a failed compression is retried on the next request
      cache.set(key, job);
    }
    return cache.get(key);
  };

  let warmed;
  const ready = new Promise((resolve) => (warmed = resolve));

  return {
    name: 'moe-compressed-static',
    ready,
    configurePreviewServer(server) {
      const root = path.resolve(server.config.root, server.config.build.outDir);
      const headers = server.config.preview.headers ?? {};

      // Warm the cache in the background (requests meanwhile wait for their own file only).
      const jobs = [];
      for (const file of existsSync(root) ? listFiles(root) : []) {
        const stat = statSync(file);
        if (COMPRESSIBLE_TYPES[path.extname(file)] && stat.size >= MIN_BYTES) {
          for (const enc of ['br', 'gzip']) jobs.push(entry(file, stat, enc));
        }
      }
      Promise.allSettled(jobs)
        .then(() => pruneDiskCache().catch(() => {}))
        .then(() => warmed());

      server.middlewares.use((req, res, next) => {
        if (req.method !== 'GET' && req.method !== 'HEAD') return next();
        let rel;
        try {
          rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
        } catch {
          return next(); // a malformed escape: let Vite answer it
        }
        if (rel.endsWith('/')) rel += 'index.html';
        const file = path.join(root, rel);
        if (!file.startsWith(root + path.sep)) return next();
        const type = COMPRESSIBLE_TYPES[path.extname(file)];
        let stat;
        try {
          stat = type && statSync(file);
        } catch {
          stat = null;
        }
        if (!stat || !stat.isFile()) return next();
        res.setHeader('Vary', 'Accept-Encoding');
        const encoding = negotiateEncoding(req.headers['accept-encoding']);
        if (!encoding || stat.size < MIN_BYTES) return next();

        entry(file, stat, encoding).then(
          ({ body, etag }) => {
            for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
            res.setHeader('Content-Type', type);
            res.setHeader('Content-Encoding', encoding);
            res.setHeader('ETag', etag);
            res.setHeader('Cache-Control', 'no-cache');
            if (req.headers['if-none-match'] === etag) {
              res.statusCode = 304;
              return res.end();
            }
            res.setHeader('Content-Length', body.length);
            res.statusCode = 200;
            res.end(req.method === 'HEAD' ? undefined : body);
          },
          (err) => next(err),
        );
      });
    },
  };
}
