// The glossary file and [[term]] marks in lesson prose: terms render as
// buttons tied to their definitions; an unknown term is a lesson error that
// names the file and the step.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseLesson } from '../../web/src/lessons/parse';
import { lessonProblems } from './lesson-problems';
import { parseGlossary, termId } from '../../web/src/lessons/glossary';
import { renderInline, renderMarkdown } from '../../web/src/lessons/markdown';
import { loadCourseFrom } from '../../web/lesson-plugin';

const lessonsDir = fileURLToPath(new URL('../../lessons', import.meta.url));
const glossary = parseGlossary('lessons/glossary.yaml', fs.readFileSync(`${lessonsDir}/glossary.yaml`, 'utf8'), (md) => renderInline(md));

const lesson = (body: string) => `---
id: sample
title: Sample
phase: one-token
minutes: 5
summary: For the tests.
---

${body}

\`\`\`check
question: Which?
options:
  - text: This
    correct: true
    feedback: Yes.
  - text: That
    feedback: No.
\`\`\`
`;

const problemsOf = (source: string): string[] => lessonProblems('lessons/sample.md', source, glossary);

describe('glossary file', () => {
  it('lists every key term of the course, each with a definition', () => {
    for (const term of [
      'router', 'expert', 'gate', 'gating logit', 'active parameters', 'total parameters', 'top-k', 'softmax',
      'renormalisation', 'load balancing', 'auxiliary loss', 'capacity factor', 'dropped token', 'expert collapse',
      'sparsity', 'FFN',
    ]) {
      expect(glossary[termId(term)]?.definitionHtml.length, term).toBeGreaterThan(20);
    }
  });

  it('rejects a malformed glossary with the file and the place', () => {
    const render = (md: string) => renderInline(md);
    expect(() => parseGlossary('lessons/glossary.yaml', 'terms:\n  - term: router\n', render)).toThrow(
      'lessons/glossary.yaml: terms[0].definition: missing field',
    );
    expect(() =>
      parseGlossary('lessons/glossary.yaml', 'terms:\n  - { term: Router, definition: a }\n  - { term: router, definition: b }\n', render),
    ).toThrow('"router" is listed twice');
  });

  it('reaches the built course, and every real lesson uses only known terms', () => {
    const { course } = loadCourseFrom(lessonsDir);
    expect(Object.keys(course.glossary)).toContain('active-parameters');
    const html = Object.values(course.lessons).flatMap((l) => l.steps.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'prose' ? [b.html] : []))));
    expect(html.join('')).toContain('class="term" data-term="router"');
  });
});

describe('terms in prose', () => {
  it('renders [[term]] and [[term|words]] as buttons described by their definition', () => {
    const html = renderMarkdown('The [[router]] counts [[active parameters|active]] ones.', glossary);
    expect(html).toContain(
      '<button type="button" class="term" data-term="router" aria-describedby="glossary-def-router">router</button>',
    );
    expect(html).toContain('data-term="active-parameters" aria-describedby="glossary-def-active-parameters">active</button>');
  });

  it('leaves code spans and math alone, and keeps check options free of nested buttons', () => {
    expect(renderMarkdown('`[[router]]` and $[[1]]$', glossary)).not.toContain('<button');
    expect(renderInline('the [[gate|gates]]', glossary)).toBe('the <span class="term-plain" data-term="gate">gates</span>');
  });

  it('an unknown term is an error naming the file and the step', () => {
    const problems = problemsOf(lesson('## Routing {#routing}\n\nThe [[routr]] picks experts.'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^lessons\/sample\.md: step "routing": unknown glossary term "routr"/);
  });

  it('an unknown term inside a check is reported at that check', () => {
    const source = lesson('## Routing {#routing}\n\nText.').replace('question: Which?', 'question: Which [[bogus term]]?');
    expect(problemsOf(source)).toEqual([expect.stringMatching(/^lessons\/sample\.md: step "routing": check: unknown glossary term "bogus term"/)]);
  });
});

describe('formula toggles', () => {
  it('renders a ```formula block and a widget formula at build time', () => {
    const source = lesson('## Softmax {#softmax}\n\n```formula\nlabel: softmax\ntex: p_i = e^{\\ell_i} / \\sum_j e^{\\ell_j}\n```');
    const step = parseLesson('lessons/sample.md', source, undefined, glossary).steps[0];
    expect(step.blocks[0]).toMatchObject({ kind: 'formula', label: 'softmax' });
    expect(step.blocks[0].kind === 'formula' && step.blocks[0].html).toContain('katex-display');
  });

  it('bad TeX in a formula names the step', () => {
    const source = lesson('## Softmax {#softmax}\n\n```formula\nlabel: softmax\ntex: \\frac{1}{\n```');
    expect(problemsOf(source)[0]).toMatch(/^lessons\/sample\.md: step "softmax": formula: math "\\frac\{1\}\{"/);
  });
});
