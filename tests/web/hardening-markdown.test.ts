// Hostile lesson and quiz text: raw HTML, <script>, event-handler attributes and javascript:
// URLs in prose, checks, quiz questions, glossary labels and formulas all come out inert. The
// renderer's output is scanned tag by tag: the only tags are ones the renderer made, none is a
// <script>/<iframe>/<object>/<embed>/<style>, no attribute starts with "on", and no link or
// source points at javascript:, vbscript: or data:text/html.
import { describe, expect, it } from 'vitest';
import { renderFormula, renderInline, renderMarkdown, MathError } from '../../web/src/lessons/markdown';
import { parseLesson } from '../../web/src/lessons/parse';
import { parseQuiz } from '../../web/src/lessons/quiz';
import type { Glossary } from '../../web/src/lessons/glossary';

const hostile = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<img src=x onerror="alert(1)">',
  '<svg onload=alert(1)><circle/></svg>',
  '<a href="javascript:alert(1)">click</a>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<object data="data:text/html,<script>alert(1)</script>"></object>',
  '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](  javascript:alert(1)  )',
  '[click](java\tscript:alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[click](javascript&colon;alert(1))',
  '[click](vbscript:msgbox(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![img](javascript:alert(1))',
  '<javascript:alert(1)>',
  '[ref][r]\n\n[r]: javascript:alert(1)',
  '`<script>alert(1)</script>` and <b onmouseover=alert(1)>bold</b>',
  '<!-- --><script>alert(1)</script><!-- -->',
  '<style>body{display:none}</style>',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '$x$<script>alert(1)</script>$y$',
  '\u0000<script>\u202Ealert(1)</script>\uE000999\uE001\uE0020\uE003',
];

const dangerousTags = /^(script|iframe|object|embed|style|link|meta|base|form|frame|frameset|applet|template|noscript)$/i;
const dangerousUrl = /^\s*(javascript|vbscript|data:text\/html|data:image\/svg)/i;

/** Every problem found in `html`: a dangerous tag, an on* attribute or a script URL. */
function unsafe(html: string): string[] {
  const problems: string[] = [];
  for (const m of html.matchAll(/<\/?([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const [tag, name, attrs] = m;
    if (dangerousTags.test(name)) problems.push(`tag ${tag}`);
    for (const a of attrs.matchAll(/([^\s=/"']+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g)) {
      const attr = a[1].toLowerCase();
      const value = (a[2] ?? '').replace(/^["']|["']$/g, '').replace(/&#x?[0-9a-f]+;?|&colon;/gi, '');
      if (attr.startsWith('on')) problems.push(`attribute ${attr} in ${tag}`);
      if (['href', 'src', 'xlink:href', 'action', 'formaction', 'data', 'srcset'].includes(attr) && dangerousUrl.test(value)) {
        problems.push(`url ${attr}=${value} in ${tag}`);
      }
    }
  }
  return problems;
}

const glossary: Glossary = {
  router: { id: 'router', term: 'router', definitionHtml: 'The part that picks experts.' },
};

describe('hostile prose is rendered inert', () => {
  it('the scanner itself catches what it should', () => {
    expect(unsafe('<p><script>x</script></p>')).not.toEqual([]);
    expect(unsafe('<img src=x onerror="y">')).not.toEqual([]);
    expect(unsafe('<a href="javascript:alert(1)">')).not.toEqual([]);
    expect(unsafe('<p>&lt;script&gt;</p><a href="#/lesson/x">ok</a>')).toEqual([]);
  });

  it.each(hostile)('block Markdown: %s', (source) => {
    const html = renderMarkdown(source, glossary);
    expect(unsafe(html)).toEqual([]);
    expect(html).not.toMatch(/<script/i);
  });

  it.each(hostile)('inline Markdown (questions, options, feedback): %s', (source) => {
    expect(unsafe(renderInline(source, glossary))).toEqual([]);
  });

  it('raw HTML is shown as text, not dropped silently', () => {
    expect(renderMarkdown('<b>bold</b> <script>alert(1)</script>')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('glossary labels are escaped', () => {
    const html = renderMarkdown('[[router|<img src=x onerror=alert(1)>]] and [[router|"><script>x</script>]]', glossary);
    expect(unsafe(html)).toEqual([]);
    expect(html).toContain('&lt;img');
  });

  it('external links open safely, in-app links stay in the tab', () => {
    const html = renderMarkdown('[a](https://example.org) [b](#/lesson/dense-cost)');
    expect(html).toContain('rel="noopener noreferrer"');
    expect(html).toContain('href="#/lesson/dense-cost"');
    expect(unsafe(html)).toEqual([]);
  });

  it('KaTeX commands that could make links or raw HTML are refused or inert', () => {
    for (const tex of ['\\href{javascript:alert(1)}{x}', '\\url{javascript:alert(1)}', '\\htmlData{onload=alert(1)}{x}', '\\htmlId{x" onmouseover="alert(1)}{y}', '\\includegraphics{javascript:alert(1)}']) {
      let html = '';
      try {
        html = renderFormula(tex);
      } catch (err) {
        expect(err).toBeInstanceOf(MathError); // refused at build time with a message: fine
        continue;
      }
      expect(unsafe(html), tex).toEqual([]);
      expect(html, tex).not.toMatch(/<a\s/i); // no link; the source text may remain as an inert annotation
    }
    for (const source of ['$\\href{javascript:alert(1)}{x}$', '$$\\htmlClass{x" onclick="y}{z}$$']) {
      try {
        expect(unsafe(renderMarkdown(source))).toEqual([]);
      } catch (err) {
        expect(err).toBeInstanceOf(MathError);
      }
    }
  });
});

describe('hostile lesson and quiz files', () => {
  const front = `---
id: evil
title: "<script>alert(1)</script>"
phase: one-token
minutes: 5
summary: "<img src=x onerror=alert(1)>"
---
`;

  it('a lesson file full of HTML, handlers and script URLs parses to inert HTML', () => {
    const body = `## Step <b onclick=x>one</b> {#one}

${hostile.join('\n\n')}

\`\`\`check
question: "<img src=x onerror=alert(1)> [x](javascript:alert(1))"
options:
  - text: "<script>alert(1)</script>"
    correct: true
    feedback: "<a href='javascript:alert(1)'>why</a>"
  - text: "[no](vbscript:x)"
    feedback: "<svg onload=alert(1)>"
\`\`\`
`;
    const lesson = parseLesson('lessons/evil.md', front + body, {}, glossary);
    const html: string[] = [];
    for (const step of lesson.steps) {
      for (const b of step.blocks) {
        if (b.kind === 'prose') html.push(b.html);
        if (b.kind === 'check') html.push(b.questionHtml, ...b.options.flatMap((o) => [o.html, o.feedbackHtml]));
      }
    }
    expect(html.length).toBeGreaterThan(3);
    for (const h of html) expect(unsafe(h)).toEqual([]);
    // Titles stay plain strings: the player puts them in the page as text, never as HTML.
    expect(lesson.title).toBe('<script>alert(1)</script>');
  });

  it('a quiz file with HTML and script URLs parses to inert HTML', () => {
    const quiz = parseQuiz(
      'lessons/quizzes/evil.yaml',
      `id: evil
title: Evil
intro: "<script>alert(1)</script> [x](javascript:alert(1))"
questions:
  - id: q1
    question: "<iframe src=javascript:alert(1)></iframe>"
    options:
      - text: "<b onmouseover=alert(1)>a</b>"
        correct: true
        feedback: "![x](javascript:alert(1))"
      - text: "<javascript:alert(1)>"
        feedback: "<style>*{}</style>"
`,
      glossary,
    );
    const html = [quiz.introHtml, ...quiz.questions.flatMap((q) => (q.kind === 'choice' ? [q.questionHtml, ...q.options.flatMap((o) => [o.html, o.feedbackHtml])] : [q.questionHtml]))];
    for (const h of html) expect(unsafe(h)).toEqual([]);
  });
});
