// Fetching a language model folder (config.json, model.safetensors, tokenizer.json) for
// Engine.lmLoad, with progress for a progress bar. It runs in the page; the bytes then go to the
// worker in one message. Nothing is cached here: the offline service worker caches /models/ the
// first time a folder is fetched, so a second visit reads it from there.
import type { LmFiles } from './lm-types';
import type { Result } from './types';

/** Bytes received so far over all files; `total` is null while some file's size is unknown. */
export interface FolderProgress {
  received: number;
  total: number | null;
}

export interface FetchFolderOptions {
  /** Called as bytes arrive (at least once at the start and once at the end). */
  onProgress?: (progress: FolderProgress) => void;
  /** False: the folder has no tokenizer.json (a model that takes token ids only). Default true. */
  tokenizer?: boolean;
  /** Aborts the downloads (the answer is then an error value). */
  signal?: AbortSignal;
  /** The fetch to use (tests pass their own). Default: the global fetch. */
  fetch?: typeof fetch;
}

type FileName = 'config.json' | 'model.safetensors' | 'tokenizer.json';

/**
 * Fetches the folder at `url` (ending in `/` or not). Every failure is an error value naming the
 * file: `model.safetensors: HTTP 404 Not Found at /models/moe/model.safetensors`.
 */
export async function fetchModelFolder(url: string, options: FetchFolderOptions = {}): Promise<Result<LmFiles>> {
  const base = url.endsWith('/') ? url : `${url}/`;
  const names: FileName[] = ['config.json', 'model.safetensors', ...(options.tokenizer === false ? [] : (['tokenizer.json'] as const))];
  const doFetch = options.fetch ?? fetch;
  const received = new Map<FileName, number>();
  const sizes = new Map<FileName, number | null>();
  const report = () => {
    if (!options.onProgress) return;
    const known = names.every((n) => typeof sizes.get(n) === 'number');
    let got = 0;
    for (const n of names) got += received.get(n) ?? 0;
    const total = known ? names.reduce((sum, n) => sum + (sizes.get(n) as number), 0) : null;
    // A compressed response's Content-Length counts compressed bytes: then the total is unknown.
    options.onProgress({ received: got, total: total !== null && got <= total ? total : null });
  };

  const fetchOne = async (name: FileName): Promise<Uint8Array> => {
    const where = `${base}${name}`;
    let response: Response;
    try {
      response = await doFetch(where, { signal: options.signal, credentials: 'same-origin' });
    } catch (err) {
      throw new Error(`${name}: could not fetch ${where} (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} at ${where}`);
    const length = Number(response.headers.get('content-length'));
    sizes.set(name, Number.isFinite(length) && length > 0 && !response.headers.get('content-encoding') ? length : null);
    received.set(name, 0);
    report();
    if (!response.body) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      received.set(name, bytes.byteLength);
      report();
      return bytes;
    }
    const chunks: Uint8Array[] = [];
    let got = 0;
    const reader = response.body.getReader();
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (err) {
        throw new Error(`${name}: the download stopped at ${got} bytes (${err instanceof Error ? err.message : String(err)})`);
      }
      if (step.done) break;
      chunks.push(step.value);
      got += step.value.byteLength;
      received.set(name, got);
      report();
    }
    const bytes = new Uint8Array(got);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    return bytes;
  };

  report();
  const settled = await Promise.allSettled(names.map(fetchOne));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) return { ok: false, error: failed.reason instanceof Error ? failed.reason.message : String(failed.reason) };
  const bytes = settled.map((s) => (s as PromiseFulfilledResult<Uint8Array>).value);
  const text = new TextDecoder('utf-8');
  const files: LmFiles = { config: text.decode(bytes[0]), safetensors: bytes[1] };
  if (names.length === 3) files.tokenizer = text.decode(bytes[2]);
  return { ok: true, value: files };
}
