// The trace field list is declared once in C++ (visit_fields in engine/include/moe/layer/trace.hpp)
// and drives the embind conversion; this test holds the TypeScript types of web/src/engine/types.ts
// against it, so a field added, renamed or dropped on one side fails here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const traceHpp = readFileSync(resolve(root, 'engine/include/moe/layer/trace.hpp'), 'utf8');
const typesTs = readFileSync(resolve(root, 'web/src/engine/types.ts'), 'utf8');

/** Names visited, in order, by `visit_fields(const <cppType>& ...)`. */
function visitedNames(cppType: string): string[] {
  const start = traceHpp.indexOf(`void visit_fields(const ${cppType}& `);
  if (start < 0) throw new Error(`trace.hpp: no visit_fields for ${cppType}`);
  const body = traceHpp.slice(start, traceHpp.indexOf('\n}', start));
  return [...body.matchAll(/\bv\("(\w+)"/g)].map((m) => m[1]);
}

/** Field names of `export interface <tsType> { ... }`. */
function interfaceFields(tsType: string): string[] {
  const start = typesTs.indexOf(`export interface ${tsType} {`);
  if (start < 0) throw new Error(`types.ts: no interface ${tsType}`);
  const body = typesTs.slice(start, typesTs.indexOf('\n}', start));
  return [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
}

describe('trace fields: C++ visit_fields and the TypeScript types agree', () => {
  const pairs: [string, string][] = [
    ['Trace', 'Trace'],
    ['TraceLosses', 'TraceLosses'],
    ['TraceStats', 'RoutingStats'],
  ];
  for (const [cpp, ts] of pairs) {
    it(`${cpp} ↔ ${ts}`, () => {
      const visited = visitedNames(cpp);
      expect(visited.length).toBeGreaterThan(5);
      expect(new Set(visited).size).toBe(visited.length); // each name once
      expect([...visited].sort()).toEqual([...interfaceFields(ts)].sort());
    });
  }

  it('every field the C++ struct declares is visited', () => {
    // Members of `struct Trace { ... }`: a type, a name, then `=`, `;` or a comment.
    const start = traceHpp.indexOf('struct Trace {');
    const body = traceHpp.slice(start, traceHpp.indexOf('\n};', start));
    const members = [...body.matchAll(/^ {2}[\w:<>, ]+?\s(\w+)(?: = [^;]+)?;/gm)].map((m) => m[1]);
    expect(members.length).toBeGreaterThan(20);
    expect([...members].sort()).toEqual([...visitedNames('Trace')].sort());
  });
});
