// What a run trains on: the shipped tokenizer.json, and per domain the corpus text the build
// ships (engine/corpus.ts: the training split's first 256 KiB and the whole held-out split).
// Fetched once per page, in three parts (tokenizer, training text, held-out text) for the
// progress bar; every failure is an error value naming the file. Paths are from the course root.
import type { LmTrainTexts } from '../../engine';
import { fetchCorpus } from '../../engine';
import { pageRoot } from '../../player/route';

export type TrainTextsLoad =
  | { phase: 'idle' }
  | { phase: 'loading'; received: number; total: number | null }
  | { phase: 'ready'; value: LmTrainTexts }
  | { phase: 'failed'; error: string };

async function tokenizerText(url: string): Promise<string> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

/** Fetches the tokenizer of the model folder `model` and the corpus folder `corpus`. */
export async function loadTrainTexts(model: string, corpus: string, onProgress: (received: number, total: number | null) => void): Promise<TrainTextsLoad> {
  const root = pageRoot();
  const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);
  let parts = 0;
  const counted = <T>(p: Promise<T>) => p.then((v) => (onProgress(++parts, 3), v));
  onProgress(0, 3);
  try {
    const [tokenizer, train, heldout] = await Promise.all([
      counted(tokenizerText(`${root}${slash(model)}tokenizer.json`)),
      counted(fetchCorpus('train', { base: `${root}${slash(corpus)}` })),
      counted(fetchCorpus('heldout', { base: `${root}${slash(corpus)}` })),
    ]);
    if (!train.ok) return { phase: 'failed', error: train.error };
    if (!heldout.ok) return { phase: 'failed', error: heldout.error };
    return {
      phase: 'ready',
      value: { tokenizer, domains: train.value.map((d) => d.name), train: train.value.map((d) => d.text), heldout: heldout.value.map((d) => d.text) },
    };
  } catch (err) {
    return { phase: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}
