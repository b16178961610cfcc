// Which tracked files differ from the last commit, each with a hash of its content, so that two
// snapshots show what a step changed. scripts/setup.sh saves one before and one after its work;
// the `setup-clean` suite of scripts/test.mjs fails listing the tracked files setup changed
// (on a fresh clone setup must leave `git status` clean: no lockfile rewrite, no generated file).
// Usage: node scripts/tracked-files.mjs save <file.json>
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function git(args, cwd) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Tracked files that differ from HEAD (staged or not), path → content hash ('deleted' if gone); null outside a git work tree. */
export function trackedChanges(cwd = process.cwd()) {
  try {
    git(['rev-parse', '--verify', 'HEAD'], cwd);
  } catch {
    return null;
  }
  const changed = git(['diff', 'HEAD', '--name-only', '-z', '--no-renames'], cwd).split('\0').filter(Boolean);
  const out = {};
  for (const file of changed.sort()) {
    out[file] = existsSync(path.join(cwd, file)) ? git(['hash-object', '--', file], cwd).trim() : 'deleted';
  }
  return out;
}

/** Files whose state differs between two snapshots, sorted. */
export function changedBetween(before, after) {
  const files = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...files].filter((f) => before[f] !== after[f]).sort();
}

export function readSnapshot(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, file] = process.argv.slice(2);
  if (command !== 'save' || !file) {
    console.error('usage: node scripts/tracked-files.mjs save <file.json>');
    process.exit(2);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const changes = trackedChanges();
  writeFileSync(file, JSON.stringify({ gitWorkTree: changes !== null, changes: changes ?? {} }, null, 2));
}
