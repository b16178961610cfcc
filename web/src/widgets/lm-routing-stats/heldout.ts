// The held-out corpus text the page analyses: models/corpus/<domain>/heldout.txt for each domain
// that models/corpus/index.json names (written by the build from build/lm-corpus; the same text
// `moe lm analyze --corpus` reads). A failure is an error value naming the file.
import type { LmNamedText } from '../../engine';
import type { Result } from '../../engine';
import { pageRoot } from '../../player/route';

/** Domain names from index.json: a list, {domains: [...]} of names or {name}, or {domains: {name: ...}}. */
export function domainNames(index: unknown): string[] {
  const list = Array.isArray(index) ? index : typeof index === 'object' && index !== null ? (index as { domains?: unknown }).domains : undefined;
  if (Array.isArray(list)) return list.map((d) => (typeof d === 'string' ? d : String((d as { name?: unknown }).name ?? ''))).filter((n) => n !== '');
  if (typeof list === 'object' && list !== null) return Object.keys(list);
  return [];
}

export async function fetchHeldout(base = `${pageRoot()}models/corpus/`, doFetch: typeof fetch = fetch): Promise<Result<LmNamedText[]>> {
  const get = async (file: string): Promise<Result<Response>> => {
    try {
      const r = await doFetch(`${base}${file}`, { credentials: 'same-origin' });
      return r.ok ? { ok: true, value: r } : { ok: false, error: `${file}: HTTP ${r.status} at ${base}${file}` };
    } catch (err) {
      return { ok: false, error: `${file}: could not fetch ${base}${file} (${err instanceof Error ? err.message : String(err)})` };
    }
  };
  const index = await get('index.json');
  if (!index.ok) return index;
  let names: string[];
  try {
    names = domainNames(await index.value.json()).sort();
  } catch {
    return { ok: false, error: 'index.json: not valid JSON' };
  }
  if (names.length === 0) return { ok: false, error: 'index.json: names no domains' };
  const texts: LmNamedText[] = [];
  for (const name of names) {
    const r = await get(`${name}/heldout.txt`);
    if (!r.ok) return r;
    texts.push({ name, text: await r.value.text() });
  }
  return { ok: true, value: texts };
}
