// What a run trains on: the shipped tokenizer.json and, per domain, the corpus text the build
// writes (train split cut to its first 256 KiB, whole held-out split). Fetched once per page, with
// progress by bytes, and every failure an error value naming the file.
import type { LmTrainTexts } from '../../engine';

export type TrainTextsLoad =
  | { phase: 'idle' }
  | { phase: 'loading'; received: number; total: number | null }
  | { phase: 'ready'; value: LmTrainTexts }
  | { phase: 'failed'; error: string };

async function textOf(url: string): Promise<string> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

/** Fetches the tokenizer of the model folder `model` and the corpus under `corpus`. */
export async function loadTrainTexts(model: string, corpus: string, onProgress: (received: number, total: number | null) => void): Promise<TrainTextsLoad> {
  const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);
  try {
    const index = JSON.parse(await textOf(`${slash(corpus)}index.json`)) as { domains?: unknown };
    const domains = Array.isArray(index.domains) ? index.domains.map((d) => (typeof d === 'string' ? d : String((d as { name?: unknown }).name))) : [];
    if (domains.length === 0) throw new Error(`${slash(corpus)}index.json: lists no domains`);
    const files = [`${slash(model)}tokenizer.json`, ...domains.flatMap((d) => [`${slash(corpus)}${d}/train.txt`, `${slash(corpus)}${d}/heldout.txt`])];
    let received = 0;
    onProgress(0, files.length);
    const bodies = await Promise.all(
      files.map(async (f) => {
        const body = await textOf(f);
        onProgress(++received, files.length);
        return body;
      }),
    );
    const [tokenizer, ...rest] = bodies;
    return {
      phase: 'ready',
      value: { tokenizer, domains, train: domains.map((_, i) => rest[2 * i]), heldout: domains.map((_, i) => rest[2 * i + 1]) },
    };
  } catch (err) {
    return { phase: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}
