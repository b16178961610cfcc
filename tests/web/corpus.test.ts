// The corpus text the build ships for Phase 5 (web/corpus-plugin.ts) and the page's reader of it
// (web/src/engine/corpus.ts): the page must analyse exactly the held-out text `moe lm eval` reads,
// and train on a true prefix of the training split.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusFiles, TRAIN_SLICE_BYTES } from '../../web/corpus-plugin';
import type { CorpusIndex } from '../../web/corpus-plugin';
import { fetchCorpus, fetchCorpusIndex } from '../../web/src/engine/corpus';
import { repo } from './wasm-engine';

const corpusDir = path.join(repo, 'build/lm-corpus');
const files = corpusFiles(repo);
const byName = new Map(files.map((f) => [f.fileName, f.source]));
const index = JSON.parse(byName.get('index.json')!.toString('utf8')) as CorpusIndex;
const manifest = JSON.parse(readFileSync(path.join(corpusDir, 'manifest.json'), 'utf8')) as {
  domains: Record<string, { heldout: { sha256: string } }>;
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A fetch that serves the built files under /models/corpus/, and 404 for anything else. */
const servedFetch = (async (input: RequestInfo | URL) => {
  const url = String(input);
  const body = url.startsWith('/models/corpus/') ? byName.get(url.slice('/models/corpus/'.length)) : undefined;
  return body ? new Response(new Uint8Array(body)) : new Response('missing', { status: 404, statusText: 'Not Found' });
}) as typeof fetch;

describe('corpus in the build', () => {
  it('ships the three domains, each held-out split byte for byte as setup pinned it', () => {
    expect(index.domains.map((d) => d.name)).toEqual(['prose', 'code', 'arithmetic']);
    for (const d of index.domains) {
      const heldout = byName.get(d.heldout.file)!;
      expect(sha256(heldout), d.name).toBe(manifest.domains[d.name].heldout.sha256);
      expect(d.heldout.sha256).toBe(sha256(heldout));
      expect(d.licence.length, d.name).toBeGreaterThan(5);
    }
  });

  it('ships a prefix of each training split, cut on a character boundary, at most the slice size', () => {
    for (const d of index.domains) {
      const slice = byName.get(d.train.file)!;
      const full = readFileSync(path.join(corpusDir, d.name, 'train.txt'));
      expect(slice.length).toBeLessThanOrEqual(TRAIN_SLICE_BYTES);
      expect(slice.length).toBeGreaterThan(TRAIN_SLICE_BYTES - 4);
      expect(full.subarray(0, slice.length).equals(slice)).toBe(true);
      expect(Buffer.from(slice.toString('utf8'), 'utf8').equals(slice), `${d.name} slice is whole UTF-8`).toBe(true);
      expect(d.train.of_bytes).toBe(full.length);
    }
  });

  it('fetchCorpus reads every domain of a split in index order', async () => {
    const got = await fetchCorpus('heldout', { base: '/models/corpus', fetch: servedFetch });
    if (!got.ok) throw new Error(got.error);
    expect(got.value.map((t) => t.name)).toEqual(['prose', 'code', 'arithmetic']);
    expect(got.value[1].text).toBe(readFileSync(path.join(corpusDir, 'code/heldout.txt'), 'utf8'));
  });

  it('a missing corpus folder is an error naming the address, not an exception', async () => {
    const got = await fetchCorpusIndex({ base: '/nowhere/', fetch: servedFetch });
    expect(got).toEqual({ ok: false, error: '/nowhere/index.json: HTTP 404 Not Found' });
    expect(() => corpusFiles(repo, '/nonexistent-corpus')).toThrow(/npm run lm:corpus/);
  });
});
