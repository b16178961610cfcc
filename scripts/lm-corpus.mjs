// Assembles the language model's training corpus into build/lm-corpus/ (npm run lm:corpus), from
// Debian packages only, deterministically, and checks every source against the hashes pinned in
// engine/data/lm-corpus/sources.json (SOURCES.md explains the sources, licences and splits).
//
//   prose       the King James Bible (public domain), printed by `bible` (package bible-kjv, data
//               in bible-kjv-text): one verse per line without its number, a chapter per document
//   code        a pinned, sorted list of Python 3.11 standard library files (PSF licence, packages
//               libpython3.11-minimal and libpython3.11-stdlib): a file per document
//   arithmetic  question-answer lines generated here from a fixed seed ("What is 37 + 85? 122"):
//               100 lines per document
//
// Output per domain: <domain>/train.txt and <domain>/heldout.txt, documents separated by the
// special token text `<|endoftext|>`; document i goes to heldout when i % 20 == 19 (a fixed 5%
// slice spread over the domain). build/lm-corpus/manifest.json lists sizes and hashes.
// Missing packages are installed with apt-get (one `apt-get update` first; needs root).
// A source whose hash differs from the pinned one stops the script with the source's name, both
// hashes and the installed package versions. --update-manifest re-pins the hashes and versions
// instead (after a deliberate change, e.g. a Debian security update of python3.11).
// Usage: node scripts/lm-corpus.mjs [--out DIR] [--update-manifest]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const manifestPath = path.join(root, 'engine/data/lm-corpus/sources.json');
const separator = '<|endoftext|>';

const opts = { out: path.join(root, 'build/lm-corpus'), update: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--out') opts.out = path.resolve(argv[++i] ?? '');
  else if (argv[i] === '--update-manifest') opts.update = true;
  else if (argv[i] === '-h' || argv[i] === '--help') {
    console.log('usage: node scripts/lm-corpus.mjs [--out DIR] [--update-manifest]');
    process.exit(0);
  } else {
    console.error(`lm-corpus: unknown argument ${argv[i]}`);
    process.exit(2);
  }
}

function die(message) {
  console.error(`lm-corpus: ${message}`);
  process.exit(1);
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// ---- Debian packages ----------------------------------------------------------------------------
function installedVersion(pkg) {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Status}|${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [status, version] = out.split('|');
    return status.endsWith(' installed') ? version : null;
  } catch {
    return null;
  }
}

function ensurePackages(packages) {
  const missing = packages.filter((p) => installedVersion(p) === null);
  if (missing.length === 0) return;
  console.log(`lm-corpus: installing ${missing.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } catch (err) {
    die(`apt-get could not install ${missing.join(' ')}: ${err.message}`);
  }
  for (const p of missing) if (installedVersion(p) === null) die(`package ${p} is still not installed`);
}

// ---- the three domains, each as a list of documents ---------------------------------------------
// The KJV: `bible` prints chapter headings ("1 Samuel 3") and numbered verses, one per line at
// this width. Verses keep their text, lose their numbers; a chapter is a document.
function kjvDocuments(source) {
  const printed = execFileSync('bible', ['-l10000', source.range], { encoding: 'utf8', maxBuffer: 64 << 20, env: { PATH: process.env.PATH } });
  const chapters = [];
  let verses = null;
  for (const line of printed.split('\n')) {
    if (line.trim() === '') continue;
    const verse = /^\s+\d+ (.*)$/.exec(line);
    if (verse) {
      if (!verses) die(`${source.name}: a verse before any chapter heading: ${line.slice(0, 60)}`);
      verses.push(verse[1].trimEnd());
    } else {
      verses = [];
      chapters.push(verses);
    }
  }
  return chapters.map((v) => v.join('\n') + '\n');
}

function pythonDocuments(source) {
  return source.files.map((f) => {
    const file = path.join(source.dir, f.path);
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
    } catch (err) {
      die(`${source.name}: cannot read ${file} as UTF-8 (${err.code ?? err.message}); installed: ${versions(source)}`);
    }
    const actual = sha256(text);
    if (!opts.update && actual !== f.sha256) {
      die(`${source.name}: ${file} has sha256 ${actual}, expected ${f.sha256}; installed: ${versions(source)}, pinned: ${pinned(source)}`);
    }
    f.sha256 = actual;
    return text;
  });
}

// A small seeded generator (splitmix64 on BigInt): the same lines on every machine.
function* splitmix64(seed) {
  let state = BigInt(seed);
  const mask = (1n << 64n) - 1n;
  for (;;) {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    yield z ^ (z >> 31n);
  }
}

function arithmeticDocuments(source) {
  const rng = splitmix64(source.seed);
  const below = (n) => Number(rng.next().value % BigInt(n));
  const kinds = [
    () => { const a = below(1000), b = below(1000); return `What is ${a} + ${b}? ${a + b}`; },
    () => { const a = below(1000), b = below(1000); return `What is ${a} - ${b}? ${a - b}`; },
    () => { const a = below(100), b = below(100); return `What is ${a} * ${b}? ${a * b}`; },
    () => { const b = 1 + below(99), q = below(100); return `What is ${b * q} / ${b}? ${q}`; },
    () => { const a = below(1000), b = 2 + below(19); return `What is the remainder when ${a} is divided by ${b}? ${a % b}`; },
    () => { const a = below(10000), b = below(10000); return `Which is bigger, ${a} or ${b}? ${Math.max(a, b)}`; },
  ];
  const docs = [];
  for (let d = 0; d < source.documents; d++) {
    const lines = [];
    for (let i = 0; i < source.lines_per_document; i++) lines.push(kinds[below(kinds.length)]());
    docs.push(lines.join('\n') + '\n');
  }
  return docs;
}

const builders = { kjv: kjvDocuments, python: pythonDocuments, arithmetic: arithmeticDocuments };

function versions(source) {
  return (source.packages ?? []).map((p) => `${p.name} ${installedVersion(p.name) ?? '(not installed)'}`).join(', ') || 'no package (generated)';
}
function pinned(source) {
  return (source.packages ?? []).map((p) => `${p.name} ${p.version}`).join(', ') || 'generated';
}

// ---- assemble, check, split, write ---------------------------------------------------------------
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
ensurePackages(manifest.sources.flatMap((s) => (s.packages ?? []).map((p) => p.name)));

const { every, index } = manifest.heldout;
const summary = { heldout: manifest.heldout, separator, domains: {} };
for (const source of manifest.sources) {
  const build = builders[source.kind];
  if (!build) die(`${source.name}: unknown kind ${source.kind}`);
  const docs = build(source);
  const assembled = docs.join(separator);
  const actual = sha256(assembled);
  if (!opts.update && actual !== source.sha256) {
    die(
      `source ${source.name} (${source.domain}) assembled to sha256 ${actual}, expected ${source.sha256}.\n` +
        `  installed: ${versions(source)}; pinned: ${pinned(source)}.\n` +
        `  If the change is deliberate, re-pin with: node scripts/lm-corpus.mjs --update-manifest`,
    );
  }
  source.sha256 = actual;
  source.bytes = Buffer.byteLength(assembled);
  for (const p of source.packages ?? []) p.version = installedVersion(p.name);

  const split = { train: [], heldout: [] };
  docs.forEach((doc, i) => (i % every === index ? split.heldout : split.train).push(doc));
  const dir = path.join(opts.out, source.domain);
  mkdirSync(dir, { recursive: true });
  const entry = { source: source.name, documents: docs.length };
  for (const part of ['train', 'heldout']) {
    const text = split[part].join(separator);
    writeFileSync(path.join(dir, `${part}.txt`), text);
    entry[part] = { documents: split[part].length, bytes: Buffer.byteLength(text), sha256: sha256(text) };
  }
  summary.domains[source.domain] = entry;
  console.log(`lm-corpus: ${source.domain.padEnd(10)} ${source.name}: ${docs.length} documents, ` +
    `train ${entry.train.bytes} bytes, heldout ${entry.heldout.bytes} bytes (sha256 ${actual.slice(0, 12)}… ok)`);
}
writeFileSync(path.join(opts.out, 'manifest.json'), JSON.stringify(summary, null, 2) + '\n');
if (opts.update) {
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`lm-corpus: re-pinned hashes and versions in ${path.relative(root, manifestPath)}`);
}
console.log(`lm-corpus: wrote ${path.relative(root, opts.out) || opts.out}/`);
