// The folders of web/src must not import each other in a circle through player/ and widgets/:
// widgets use the player's small libraries (url-state, text-limits, progress types), so nothing
// in player/ may lead back to a widget, not even through App.svelte or the components. Imports are
// read from the source text (static, type-only, re-exports and dynamic import()).
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../web/src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const specifierPattern = /(?:\bimport\s*(?:type\s+)?(?:[\w*${},\s]+?\s+from\s+)?|\bexport\s+(?:type\s+)?[\w*${},\s]+?\s+from\s+|\bimport\s*\(\s*)['"]([^'"]+)['"]/g;

/** Relative specifiers of one file's imports, resolved to files (packages and virtual modules are left out). */
function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(specifierPattern)) {
    const spec = match[1];
    if (!spec.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), spec.replace(/\?.*$/, ''));
    const found = [base, `${base}.ts`, `${base}.svelte`, `${base}.svelte.ts`, path.join(base, 'index.ts')].find(
      (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
    );
    if (found) out.push(found);
  }
  return out;
}

const files = sourceFiles(src);
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));
const folderOf = (file: string) => path.relative(src, file).split(path.sep)[0];
const rel = (file: string) => path.relative(src, file);

/** The shortest chain of imports from a file in folder `from` to a file in folder `to`, or null. */
function chain(from: string, to: string): string[] | null {
  const start = files.filter((f) => folderOf(f) === from);
  const previous = new Map<string, string | null>(start.map((f) => [f, null]));
  const queue = [...start];
  while (queue.length) {
    const file = queue.shift()!;
    if (folderOf(file) === to) {
      const steps: string[] = [];
      for (let at: string | null = file; at; at = previous.get(at) ?? null) steps.unshift(rel(at));
      return steps;
    }
    for (const next of graph.get(file) ?? []) {
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return null;
}

describe('import graph of web/src', () => {
  it('reads imports from TypeScript and Svelte files alike', () => {
    // Widgets do use the player's libraries; if the scanner missed these, the test below would prove nothing.
    expect(chain('widgets', 'player')).not.toBeNull();
    const quiz = graph.get(path.join(src, 'widgets/quiz/Quiz.svelte'))!.map(rel);
    expect(quiz).toContain('widgets/quiz/review.ts');
    const store = graph.get(path.join(src, 'player/progress-store.svelte.ts'))!.map(rel);
    expect(store).toContain('player/notices.svelte.ts');
  });

  it('has no cycle between player/ and widgets/: nothing in player/ leads to a widget', () => {
    const back = chain('player', 'widgets');
    expect(back, `player/ reaches widgets/ through ${back?.join(' → ')}, while ${chain('widgets', 'player')?.join(' → ')}`).toBeNull();
  });

  it('lets widgets report progress only through score(): they take types, never functions, from the progress modules', () => {
    const progressModule = /player\/progress[\w.-]*$/;
    const offenders: string[] = [];
    for (const file of files.filter((f) => folderOf(f) === 'widgets')) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bimport\s+(type\s+)?(\{[^}]*\}|[\w*\s]+?)\s*from\s*['"]([^'"]+)['"]/g)) {
        const [statement, typeOnly, names, spec] = match;
        if (!progressModule.test(spec) || typeOnly) continue;
        const values = names.startsWith('{') ? names.slice(1, -1).split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type ')) : [names];
        if (values.length) offenders.push(`${rel(file)}: ${statement}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
