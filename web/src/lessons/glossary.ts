// The glossary (lessons/glossary.yaml) and glossary terms in lesson prose.
// A term is marked `[[router]]` or `[[active parameters|active]]`: the key
// before `|` names a glossary entry, the text after it is what the page shows.
// At build time a marked term becomes a button that the player decorates with
// a popover definition; an unknown key is a lesson error naming file and step.
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { describeIssues, parseOptions } from './schema';
import { definitionElementId } from './glossary-ids';

export interface GlossaryTerm {
  id: string;
  term: string;
  definitionHtml: string;
}

/** Glossary entries by id ("active-parameters"). */
export type Glossary = Record<string, GlossaryTerm>;

export class TermError extends Error {}

export const GlossarySchema = z
  .object({
    terms: z
      .array(
        z
          .object({
            term: z.string().trim().min(1, 'must not be empty'),
            definition: z.string().trim().min(1, 'must not be empty'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** "Active parameters" → "active-parameters"; also how `[[…]]` keys are looked up. */
export function termId(key: string): string {
  return key
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Parses and validates the glossary file. `renderInline` turns a definition's
 * Markdown and math into HTML (passed in to keep this module free of KaTeX).
 * Throws an Error whose message lists `<file>: <place>: <reason>` lines.
 */
export function parseGlossary(file: string, source: string, renderInline: (md: string) => string): Glossary {
  let data: unknown;
  try {
    data = parseYaml(source);
  } catch (err) {
    throw new Error(`${file}: invalid YAML: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  const checked = GlossarySchema.safeParse(data ?? {}, parseOptions);
  if (!checked.success) throw new Error(describeIssues(checked.error).map((r) => `${file}: ${r}`).join('\n'));
  const glossary: Glossary = {};
  const problems: string[] = [];
  checked.data.terms.forEach((entry, i) => {
    const id = termId(entry.term);
    if (glossary[id]) problems.push(`${file}: terms[${i}]: "${entry.term}" is listed twice`);
    try {
      glossary[id] = { id, term: entry.term, definitionHtml: renderInline(entry.definition) };
    } catch (err) {
      problems.push(`${file}: terms[${i}] "${entry.term}": ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return glossary;
}

/** `[[key]]` or `[[key|shown words]]`; keys and words have no brackets or line breaks. */
export const termPattern = /\[\[([^[\]|\n]+?)(?:\|([^[\]\n]+?))?\]\]/g;

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Looks a marked term up; throws TermError for an unknown key. */
export function resolveTerm(glossary: Glossary, key: string): GlossaryTerm {
  const found = glossary[termId(key)];
  if (!found) {
    const known = Object.values(glossary)
      .map((t) => t.term)
      .join(', ');
    throw new TermError(`unknown glossary term "${key.trim()}" (lessons/glossary.yaml has: ${known || 'no terms'})`);
  }
  return found;
}

/** HTML for a marked term in block prose: a button the player gives a popover. */
export function termButtonHtml(term: GlossaryTerm, shown: string): string {
  return (
    `<button type="button" class="term" data-term="${term.id}" aria-describedby="${definitionElementId(term.id)}">` +
    `${escapeHtml(shown)}</button>`
  );
}

/** HTML for a marked term inside a button-like context (check options): plain text. */
export function termPlainHtml(term: GlossaryTerm, shown: string): string {
  return `<span class="term-plain" data-term="${term.id}">${escapeHtml(shown)}</span>`;
}
