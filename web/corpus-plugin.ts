// The language model's corpus text in the built course, for Phase 5: the page analyses the
// held-out split and trains a small model on a slice of the training split, so it needs the text.
// The text is third-party (King James Bible, Python's standard library), so it is never
// committed: setup builds it into build/lm-corpus/ from Debian packages (scripts/lm-corpus.mjs),
// and this plugin copies it into the build as
//   models/corpus/index.json               domains, sizes, sha256, source and licence of each
//   models/corpus/<domain>/heldout.txt     the whole held-out split (what `moe lm eval` reads)
//   models/corpus/<domain>/train.txt       the first TRAIN_SLICE_BYTES of the training split
// Tests in Node call corpusFiles() and so read exactly what the page fetches.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/** The training slice the page gets per domain, in bytes (cut back to a whole UTF-8 character). */
export const TRAIN_SLICE_BYTES = 262_144;

export interface CorpusSplitEntry {
  file: string; // relative to models/corpus/
  bytes: number;
  sha256: string;
}

/** models/corpus/index.json */
export interface CorpusIndex {
  separator: string; // between documents, e.g. `<|endoftext|>`
  domains: {
    name: string;
    source: string;
    licence: string;
    heldout: CorpusSplitEntry;
    /** `bytes` of `of_bytes`: the slice is the first `bytes` bytes of the full training split. */
    train: CorpusSplitEntry & { of_bytes: number };
  }[];
}

export interface CorpusFile {
  fileName: string; // relative to models/corpus/
  source: Buffer;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The longest prefix of `b` of at most `max` bytes that ends on a UTF-8 character boundary. */
function utf8Prefix(b: Buffer, max: number): Buffer {
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--; // b[end] continues a character: back up
  return b.subarray(0, end);
}

/** The files the build adds under models/corpus/, from `corpusDir` (build/lm-corpus). */
export function corpusFiles(repo: string, corpusDir = path.join(repo, 'build/lm-corpus')): CorpusFile[] {
  const manifestPath = path.join(corpusDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`models/corpus: ${manifestPath} is missing; build the corpus with \`npm run lm:corpus\` (setup does it)`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { separator: string; domains: Record<string, { source: string }> };
  const sources = JSON.parse(readFileSync(path.join(repo, 'engine/data/lm-corpus/sources.json'), 'utf8')) as {
    sources: { name: string; licence: string }[];
  };
  const files: CorpusFile[] = [];
  const index: CorpusIndex = { separator: manifest.separator, domains: [] };
  for (const [name, domain] of Object.entries(manifest.domains)) {
    const heldout = readFileSync(path.join(corpusDir, name, 'heldout.txt'));
    const fullTrain = readFileSync(path.join(corpusDir, name, 'train.txt'));
    const train = utf8Prefix(fullTrain, TRAIN_SLICE_BYTES);
    const licence = sources.sources.find((s) => s.name === domain.source)?.licence ?? "this project's own output";
    index.domains.push({
      name,
      source: domain.source,
      licence,
      heldout: { file: `${name}/heldout.txt`, bytes: heldout.length, sha256: sha256(heldout) },
      train: { file: `${name}/train.txt`, bytes: train.length, sha256: sha256(train), of_bytes: fullTrain.length },
    });
    files.push({ fileName: `${name}/heldout.txt`, source: heldout }, { fileName: `${name}/train.txt`, source: train });
  }
  files.push({ fileName: 'index.json', source: Buffer.from(`${JSON.stringify(index, null, 2)}\n`) });
  return files;
}

/** Emits the corpus files into the build and serves them in `vite dev`. */
export function corpusPlugin(repo: string): Plugin {
  const prefix = '/models/corpus/';
  // Read and hashed once per dev server, not on every request (restart it after `npm run lm:corpus`).
  let served: CorpusFile[] | null = null;
  return {
    name: 'moe-lm-corpus',
    generateBundle() {
      for (const f of corpusFiles(repo)) this.emitFile({ type: 'asset', fileName: `models/corpus/${f.fileName}`, source: f.source });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = req.url?.split('?')[0] ?? '';
        if (!url.startsWith(prefix)) return next();
        served ??= corpusFiles(repo);
        const file = served.find((f) => f.fileName === url.slice(prefix.length));
        if (!file) return next();
        res.setHeader('Content-Type', file.fileName.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8');
        res.end(file.source);
      });
    },
  };
}
