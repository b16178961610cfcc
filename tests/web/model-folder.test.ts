// fetchModelFolder (web/src/engine/model-folder.ts): a model folder's three files fetched with
// progress for a progress bar, and every failure an error value that names the file. A stand-in
// fetch serves a golden folder from disk in small chunks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchModelFolder } from '../../web/src/engine/model-folder';
import type { FolderProgress } from '../../web/src/engine/model-folder';
import { oracleDir } from './lm-fixtures';

const dir = oracleDir('mixtral_tiny_l2_e4_top2');

/** Serves files of `dir` (plus a made-up tokenizer.json) in 4 KiB chunks; `options` bends the answers. */
function folderFetch(options: { missing?: string; noLength?: boolean; gzip?: boolean; failAfter?: string } = {}) {
  const files: Record<string, Uint8Array> = {
    'config.json': new Uint8Array(readFileSync(path.join(dir, 'config.json'))),
    'model.safetensors': new Uint8Array(readFileSync(path.join(dir, 'model.safetensors'))),
    'tokenizer.json': new TextEncoder().encode('{"tokenizer": "ünïcode"}'),
  };
  const requested: string[] = [];
  const fake = (async (input: RequestInfo | URL) => {
    const url = String(input);
    requested.push(url);
    const name = url.split('/').pop()!;
    const bytes = files[name];
    if (!bytes || name === options.missing) return new Response('not here', { status: 404, statusText: 'Not Found' });
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (name === options.failAfter && at > 0) return controller.error(new Error('connection reset'));
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, at + 4096));
        at += 4096;
      },
    });
    const headers: Record<string, string> = {};
    if (!options.noLength) headers['content-length'] = String(options.gzip ? Math.floor(bytes.length / 3) : bytes.length);
    if (options.gzip) headers['content-encoding'] = 'gzip';
    return new Response(body, { status: 200, headers });
  }) as typeof fetch;
  return { fake, files, requested };
}

describe('fetchModelFolder', () => {
  it('fetches config.json, model.safetensors and tokenizer.json with rising progress up to the total', async () => {
    const { fake, files, requested } = folderFetch();
    const seen: FolderProgress[] = [];
    const r = await fetchModelFolder('/models/tiny', { fetch: fake, onProgress: (p) => seen.push({ ...p }) });
    if (!r.ok) throw new Error(r.error);
    expect(requested).toEqual(['/models/tiny/config.json', '/models/tiny/model.safetensors', '/models/tiny/tokenizer.json']);
    expect(r.value.config).toBe(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    // (Compared as one Buffer: a deep equality over 92 K elements is slow.)
    expect(Buffer.from(r.value.safetensors).equals(Buffer.from(files['model.safetensors']))).toBe(true);
    expect(r.value.tokenizer).toBe('{"tokenizer": "ünïcode"}');
    const total = Object.values(files).reduce((s, b) => s + b.length, 0);
    expect(seen.length).toBeGreaterThan(20); // the 92 KB file alone arrives in 23 chunks
    for (let i = 1; i < seen.length; i++) expect(seen[i].received).toBeGreaterThanOrEqual(seen[i - 1].received);
    expect(seen.at(-1)).toEqual({ received: total, total });
    expect(seen.filter((p) => p.total !== null).every((p) => p.total === total && p.received <= total)).toBe(true);
  });

  it('takes a folder without tokenizer.json when told, and a URL ending in /', async () => {
    const { fake, requested } = folderFetch();
    const r = await fetchModelFolder('/models/tiny/', { fetch: fake, tokenizer: false });
    expect(r.ok && r.value.tokenizer).toBe(undefined);
    expect(requested).toEqual(['/models/tiny/config.json', '/models/tiny/model.safetensors']);
  });

  it('reports an unknown total when sizes are missing or compressed', async () => {
    for (const options of [{ noLength: true }, { gzip: true }]) {
      const { fake } = folderFetch(options);
      const seen: FolderProgress[] = [];
      const r = await fetchModelFolder('/m', { fetch: fake, onProgress: (p) => seen.push({ ...p }) });
      expect(r.ok).toBe(true);
      expect(seen.every((p) => p.total === null)).toBe(true);
      expect(seen.at(-1)!.received).toBeGreaterThan(90_000);
    }
  });

  it('names the file that failed: HTTP status, a broken download, an unreachable server', async () => {
    const missing = await fetchModelFolder('/models/x', { fetch: folderFetch({ missing: 'model.safetensors' }).fake });
    expect(missing).toEqual({ ok: false, error: 'model.safetensors: HTTP 404 Not Found at /models/x/model.safetensors' });
    const broken = await fetchModelFolder('/models/x', { fetch: folderFetch({ failAfter: 'model.safetensors' }).fake });
    expect(broken).toEqual({ ok: false, error: 'model.safetensors: the download stopped at 4096 bytes (connection reset)' });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const unreachable = await fetchModelFolder('/models/x', { fetch: offline, tokenizer: false });
    expect(unreachable).toEqual({ ok: false, error: 'config.json: could not fetch /models/x/config.json (Failed to fetch)' });
  });
});
