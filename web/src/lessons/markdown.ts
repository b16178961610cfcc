// Lesson prose → HTML at build time: Markdown via markdown-it with raw HTML
// off (so any HTML in a lesson is shown as text, never run), math via KaTeX.
// Math is cut out before Markdown sees it (so `_` and `*` inside formulas stay
// math) and put back after, as placeholders markdown-it leaves untouched.
import MarkdownIt from 'markdown-it';
import katex from 'katex';

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

/** Block Markdown (paragraphs, lists, tables…) with math. Throws MathError on bad TeX. */
export function renderMarkdown(source: string): string {
  const { text, pieces } = extractMath(source);
  return restoreMath(md.render(text), pieces);
}

/** One line of Markdown (a question, an option) without the wrapping <p>. */
export function renderInline(source: string): string {
  const { text, pieces } = extractMath(source);
  return restoreMath(md.renderInline(text), pieces);
}
