// Lesson prose → HTML at build time: Markdown via markdown-it with raw HTML
// off (so any HTML in a lesson is shown as text, never run), math via KaTeX.
// Math is cut out before Markdown sees it (so `_` and `*` inside formulas stay
// math) and put back after, as placeholders markdown-it leaves untouched.
import MarkdownIt from 'markdown-it';
import katex from 'katex';
import { resolveTerm, termButtonHtml, termPattern, termPlainHtml } from './glossary';
import type { Glossary } from './glossary';

const md = new MarkdownIt({ html: false, linkify: false, typographer: true });

// Lesson links open in the same tab only when they are in-app hash links.
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, i, opts, _env, self) => self.renderToken(tokens, i, opts));
md.renderer.rules.link_open = (tokens, i, opts, env, self) => {
  const href = String(tokens[i].attrGet('href') ?? '');
  if (!href.startsWith('#')) {
    tokens[i].attrSet('target', '_blank');
    tokens[i].attrSet('rel', 'noopener noreferrer');
  }
  return defaultLinkOpen(tokens, i, opts, env, self);
};

export class MathError extends Error {}

// Private-use characters: markdown-it neither escapes nor rewrites them (it does rewrite NUL).
const placeholder = (n: number) => `\uE000${n}\uE001`;
const placeholderPattern = /\uE000(\d+)\uE001/g;

/** `$$…$$` (display) and `$…$` (inline) outside code spans; `\$` is a literal dollar. */
const mathPattern = /(`+)[\s\S]*?\1|\\\$|\$\$([\s\S]+?)\$\$|\$((?:[^$\\\n]|\\.)+?)\$/g;

function renderMath(tex: string, displayMode: boolean): string {
  try {
    return katex.renderToString(tex.trim(), { displayMode, throwOnError: true, strict: 'error', output: 'htmlAndMathml' });
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^KaTeX parse error: /, '') : String(err);
    throw new MathError(`math "${tex.trim()}": ${reason}`);
  }
}

function extractMath(source: string): { text: string; pieces: string[] } {
  const pieces: string[] = [];
  const text = source.replace(mathPattern, (whole, _ticks, display?: string, inline?: string) => {
    if (display !== undefined) pieces.push(renderMath(display, true));
    else if (inline !== undefined) pieces.push(renderMath(inline, false));
    else if (whole === '\\$') return '\\$';
    else return whole; // a code span: leave it to markdown-it
    return placeholder(pieces.length - 1);
  });
  return { text, pieces };
}

function restoreMath(html: string, pieces: string[]): string {
  // A display formula alone in a paragraph should not sit inside <p>.
  return html
    .replace(/<p>\uE000(\d+)\uE001<\/p>/g, (_m, n: string) => pieces[Number(n)])
    .replace(placeholderPattern, (_m, n: string) => pieces[Number(n)]);
}

// Glossary terms are cut out the same way (after math, so `[[` inside a formula is math).
const termPlaceholder = (n: number) => `\uE002${n}\uE003`;
const termOrCode = new RegExp(`(\`+)[\\s\\S]*?\\1|${termPattern.source}`, 'g');

function extractTerms(text: string, glossary: Glossary | undefined, asButton: boolean): { text: string; terms: string[] } {
  const terms: string[] = [];
  const out = text.replace(termOrCode, (whole, ticks?: string, key?: string, shown?: string) => {
    if (ticks !== undefined || key === undefined) return whole; // a code span
    const term = resolveTerm(glossary ?? {}, key); // throws TermError for an unknown key
    const words = (shown ?? key).trim();
    terms.push(asButton ? termButtonHtml(term, words) : termPlainHtml(term, words));
    return termPlaceholder(terms.length - 1);
  });
  return { text: out, terms };
}

const restoreTerms = (html: string, terms: string[]) => html.replace(/\uE002(\d+)\uE003/g, (_m, n: string) => terms[Number(n)]);

/**
 * Block Markdown (paragraphs, lists, tables…) with math and glossary terms.
 * Throws MathError on bad TeX and TermError on a term the glossary lacks.
 */
export function renderMarkdown(source: string, glossary?: Glossary): string {
  const { text, pieces } = extractMath(source);
  const { text: bare, terms } = extractTerms(text, glossary, true);
  return restoreMath(restoreTerms(md.render(bare), terms), pieces);
}

/** One line of Markdown (a question, an option) without the wrapping <p>; terms stay plain text. */
export function renderInline(source: string, glossary?: Glossary): string {
  const { text, pieces } = extractMath(source);
  const { text: bare, terms } = extractTerms(text, glossary, false);
  return restoreMath(restoreTerms(md.renderInline(bare), terms), pieces);
}

/** A display formula alone (a "Show the formula" block). Throws MathError on bad TeX. */
export function renderFormula(tex: string): string {
  return renderMath(tex, true);
}
