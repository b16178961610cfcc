// The held-out corpus text the page analyses (engine/corpus.ts: the same text `moe lm analyze
// --corpus` reads), with the domains in the CLI's order (sorted by name) so the page's tables list
// them as the CLI prints them.
import { fetchCorpus } from '../../engine';
import type { LmNamedText, Result } from '../../engine';
import { pageRoot } from '../../player/route';

export async function fetchHeldout(base = `${pageRoot()}models/corpus/`, doFetch?: typeof fetch): Promise<Result<LmNamedText[]>> {
  const texts = await fetchCorpus('heldout', { base, fetch: doFetch });
  if (!texts.ok) return texts;
  return { ok: true, value: [...texts.value].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}
