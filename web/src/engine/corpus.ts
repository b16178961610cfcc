// The language model's corpus text, as the build ships it under models/corpus/ (web/corpus-plugin.ts
// writes it from build/lm-corpus): the held-out split of each domain, which `moe lm eval|analyze`
// read by default, and a slice of each training split for training a small model in the page.
// Fetched only by the lessons that need it; the offline service worker caches models/ on first use.
import type { CorpusIndex } from '../../corpus-plugin';
import type { LmNamedText } from './lm-types';
import type { Result } from './types';

export type { CorpusIndex } from '../../corpus-plugin';


export type CorpusSplit = 'heldout' | 'train';

export interface FetchCorpusOptions {
  /** The corpus folder's URL, e.g. `${pageRoot()}models/corpus/` (a lesson page sits two folders down). */
  base: string;
  /** The fetch to use (tests pass their own). Default: the global fetch. */
  fetch?: typeof fetch;
}

async function fetchText(url: string, doFetch: typeof fetch): Promise<Result<string>> {
  try {
    const response = await doFetch(url);
    if (!response.ok) return { ok: false, error: `${url}: HTTP ${response.status} ${response.statusText}` };
    return { ok: true, value: await response.text() };
  } catch (e) {
    return { ok: false, error: `${url}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** index.json: the domains, and each split's size, sha256, source and licence. */
export async function fetchCorpusIndex(options: FetchCorpusOptions): Promise<Result<CorpusIndex>> {
  const base = options.base.endsWith('/') ? options.base : `${options.base}/`;
  const text = await fetchText(`${base}index.json`, options.fetch ?? fetch);
  if (!text.ok) return text;
  try {
    const index = JSON.parse(text.value) as CorpusIndex;
    if (!Array.isArray(index.domains)) return { ok: false, error: `${base}index.json: no "domains" list` };
    return { ok: true, value: index };
  } catch {
    return { ok: false, error: `${base}index.json: not valid JSON` };
  }
}

/** Every domain's text of `split` (name = the domain), in the index's order (prose, code, arithmetic). */
export async function fetchCorpus(split: CorpusSplit, options: FetchCorpusOptions): Promise<Result<LmNamedText[]>> {
  const base = options.base.endsWith('/') ? options.base : `${options.base}/`;
  const index = await fetchCorpusIndex(options);
  if (!index.ok) return index;
  const texts = await Promise.all(index.value.domains.map((d) => fetchText(`${base}${d[split].file}`, options.fetch ?? fetch)));
  const out: LmNamedText[] = [];
  for (const [i, t] of texts.entries()) {
    if (!t.ok) return t;
    out.push({ name: index.value.domains[i].name, text: t.value });
  }
  return { ok: true, value: out };
}
