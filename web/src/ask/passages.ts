// Build time: the course (already rendered to HTML by the lesson parser) → plain-text passages
// the question box can quote. A passage is one sentence or a short paragraph, tied to the lesson
// step it comes from, so every quote can link back to where it is taught. Checks contribute their
// question with the right answer and its explanation; the glossary contributes its definitions,
// linked to the first step that marks the term. Formulas become readable text ("p_e = e^ℓ_e / Σ…").
import type { Course } from '../lessons/types';

export type PassageKind = 'prose' | 'check' | 'glossary';

export interface Passage {
  /** Lesson the passage belongs to (for a glossary entry: the first lesson that uses the term; "" if none). */
  lesson: string;
  lessonTitle: string;
  /** Step id for the deep link `#/lesson/<lesson>/<step>`; "" when there is no step to point at. */
  step: string;
  stepTitle: string;
  kind: PassageKind;
  /** Glossary term (kind "glossary"), otherwise "". */
  term: string;
  /** What the box quotes: plain text, no markup. */
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };
export const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return entities[name.toLowerCase()] ?? whole;
  });

const texSymbols: Record<string, string> = {
  times: '×', cdot: '·', ell: 'ℓ', sum: 'Σ', approx: '≈', odot: '⊙', phi: 'φ', in: '∈', le: '≤', ge: '≥',
  leq: '≤', geq: '≥', neq: '≠', infty: '∞', to: '→', rightarrow: '→', alpha: 'α', beta: 'β', gamma: 'γ',
  lambda: 'λ', mu: 'μ', sigma: 'σ', tau: 'τ', theta: 'θ', epsilon: 'ε', prod: 'Π', mid: '|', dots: '…',
  ldots: '…', cdots: '…', min: 'min', max: 'max', log: 'log', exp: 'exp', lfloor: '⌊', rfloor: '⌋',
  lceil: '⌈', rceil: '⌉', pm: '±', partial: '∂', nabla: '∇',
};

/** TeX source → readable text. Lossy on purpose: it is for quoting, not for typesetting. */
export function texToText(tex: string): string {
  let s = tex;
  s = s.replace(/\\(?:text|operatorname|mathrm|mathit|mathbf|textbf|boldsymbol)\s*\{([^{}]*)\}/g, '$1');
  s = s.replace(/\\mathbb\s*\{R\}/g, 'ℝ');
  for (let i = 0; i < 5; i++) {
    const before = s;
    s = s.replace(/([_^])\{([^{}]*)\}/g, '$1$2'); // "e^{\ell_e}" → "e^\ell_e"
    s = s.replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, (_m, a: string, b: string) => `(${a}) / (${b})`);
    if (s === before) break;
  }
  s = s.replace(/\\(?:left|right|big|Big|bigg|Bigg)\b\s*/g, '');
  s = s.replace(/\\(?:qquad|quad)/g, '   ').replace(/\\[,;:! ]/g, ' ');
  s = s.replace(/\\([a-zA-Z]+)/g, (whole, name: string) => texSymbols[name] ?? name);
  s = s.replace(/\(([\p{L}\p{N}_^]+)\)/gu, '$1'); // "(k) / (E)" → "k / E"
  s = s.replace(/[{}]/g, '').replace(/\\/g, '');
  return s.replace(/\s+/g, ' ').trim();
}

interface TextBlock {
  text: string;
  display: boolean; // a display formula standing alone
}

/**
 * Rendered lesson HTML → text blocks (paragraphs, list items, display formulas). KaTeX output is
 * replaced by its TeX annotation made readable; KaTeX's visual HTML copy is skipped.
 */
export function htmlToBlocks(html: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  let current = '';
  let display = false;
  const stack: string[] = [];
  let skipBelow = -1; // skip text while the stack is deeper than this (katex-html, math)
  let annotation: string | null = null;
  const flush = () => {
    const text = current
      .replace(/\s+/g, ' ')
      .replace(/ ([,.;:!?)’”])/g, '$1') // "k , not E ." → "k, not E."
      .trim();
    if (text) blocks.push({ text, display });
    current = '';
    display = false;
  };
  const tokens = html.match(/<[^>]*>|[^<]+/g) ?? [];
  for (const token of tokens) {
    if (token.startsWith('<')) {
      const close = /^<\//.test(token);
      const name = (/^<\/?\s*([a-zA-Z0-9-]+)/.exec(token)?.[1] ?? '').toLowerCase();
      const selfClosing = /\/>$/.test(token) || ['br', 'hr', 'img', 'input', 'meta', 'link'].includes(name);
      if (close) {
        // Pop to the matching tag (the markup is generated, so it is well formed).
        const at = stack.lastIndexOf(name);
        if (at >= 0) stack.length = at;
        if (skipBelow >= 0 && stack.length <= skipBelow) skipBelow = -1;
        if (name === 'annotation' && annotation !== null) {
          const math = texToText(decodeEntities(annotation));
          current += ` ${math} `;
          annotation = null;
        }
        if (['p', 'li', 'h1', 'h2', 'h3', 'h4', 'blockquote', 'pre', 'tr'].includes(name)) flush();
        if (name === 'span' && display && stack.every((t) => t !== 'span')) flush();
        continue;
      }
      if (selfClosing) {
        if (name === 'br') current += ' ';
        continue;
      }
      if (['p', 'li', 'h1', 'h2', 'h3', 'h4', 'blockquote', 'pre', 'tr'].includes(name)) flush();
      if (/class="[^"]*\bkatex-display\b/.test(token)) {
        flush();
        display = true;
      }
      stack.push(name);
      if (name === 'annotation') annotation = '';
      else if (skipBelow < 0 && (/class="[^"]*\bkatex-html\b/.test(token) || name === 'math')) skipBelow = stack.length - 1;
      continue;
    }
    if (annotation !== null) annotation += token;
    else if (skipBelow < 0) current += decodeEntities(token);
  }
  flush();
  return blocks;
}

/** Sentences of a paragraph (a full stop, "?" or "!" followed by a capital or a quote). */
export function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z"“(])/).map((s) => s.trim()).filter(Boolean);
}

/** A paragraph as passages: whole when short, otherwise runs of sentences up to about `limit` characters. */
export function chunk(text: string, limit = 280): string[] {
  if (text.length <= limit * 1.2) return [text];
  const out: string[] = [];
  let run = '';
  for (const s of sentences(text)) {
    if (run && run.length + 1 + s.length > limit) {
      out.push(run);
      run = s;
    } else run = run ? `${run} ${s}` : s;
  }
  if (run) out.push(run);
  return out;
}

/** Plain text of inline HTML (a check question, an option, a glossary definition). */
export const inlineText = (html: string) =>
  htmlToBlocks(`<p>${html}</p>`)
    .map((b) => b.text)
    .join(' ');

/** Every passage of the course, in path order, then the glossary. */
export function coursePassages(course: Course): Passage[] {
  const passages: Passage[] = [];
  const order = course.phases.flatMap((p) => p.lessons.map((l) => l.id)).filter((id) => course.lessons[id]);
  const firstUse = new Map<string, { lesson: string; step: string; stepTitle: string }>();

  for (const lessonId of order) {
    const lesson = course.lessons[lessonId];
    const base = { lesson: lesson.id, lessonTitle: lesson.title, term: '' };
    for (const step of lesson.steps) {
      const at = { ...base, step: step.id, stepTitle: step.title };
      for (const block of step.blocks) {
        if (block.kind === 'prose') {
          for (const m of block.html.matchAll(/data-term="([^"]+)"/g)) {
            if (!firstUse.has(m[1])) firstUse.set(m[1], { lesson: lesson.id, step: step.id, stepTitle: step.title });
          }
          const blocks = htmlToBlocks(block.html);
          // A display formula joins the sentence that introduces it ("… passes them through a softmax:"),
          // and a paragraph that goes on after the formula in lower case ("where E d is …") joins both.
          const merged: string[] = [];
          let afterFormula = false;
          for (const b of blocks) {
            const last = merged.length - 1;
            const continues = b.display || (afterFormula && /^[a-z]/.test(b.text));
            if (continues && last >= 0 && merged[last].length < 600) merged[last] += ` ${b.text}`;
            else merged.push(b.text);
            afterFormula = b.display;
          }
          for (const paragraph of merged) for (const text of chunk(paragraph)) passages.push({ ...at, kind: 'prose', text });
        } else if (block.kind === 'check') {
          const right = block.options.find((o) => o.correct);
          const text = [inlineText(block.questionHtml), right ? `${inlineText(right.html)}.` : '', right ? inlineText(right.feedbackHtml) : '']
            .filter(Boolean)
            .join(' ')
            .replace(/\.\.(?=\s|$)/g, '.');
          passages.push({ ...at, kind: 'check', text });
        }
      }
    }
  }

  for (const entry of Object.values(course.glossary ?? {})) {
    // A term no lesson marks links to the first passage that names it in so many words.
    const named = passages.find((p) => p.kind === 'prose' && p.text.toLowerCase().includes(entry.term.toLowerCase()));
    const use = firstUse.get(entry.id) ?? (named ? { lesson: named.lesson, step: named.step, stepTitle: named.stepTitle } : undefined);
    passages.push({
      lesson: use?.lesson ?? '',
      lessonTitle: use ? course.lessons[use.lesson].title : 'Glossary',
      step: use?.step ?? '',
      stepTitle: use?.stepTitle ?? '',
      kind: 'glossary',
      term: entry.term,
      text: `${entry.term}: ${inlineText(entry.definitionHtml)}`,
    });
  }
  return passages;
}
