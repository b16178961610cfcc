// Lesson files: every real lesson must parse and validate, and malformed ones
// must be rejected with a message that names the file, the place and the reason.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCourse, parseLesson } from '../../web/src/lessons/parse';
import { lessonProblems } from './lesson-problems';
import { loadCourseFrom } from '../../web/lesson-plugin';
import { widgetCatalog } from '../../web/src/widgets/catalog';

const lessonsDir = fileURLToPath(new URL('../../lessons', import.meta.url));
const FILE = 'lessons/sample.md';

const frontMatter = `---
id: sample
title: A sample lesson
phase: one-token
minutes: 5
summary: Used by the tests.
---
`;

const goodCheck = `\`\`\`check
question: Which is right?
options:
  - text: This one
    correct: true
    feedback: Yes.
  - text: That one
    feedback: No.
\`\`\`
`;

const walkWidget = `\`\`\`widget
name: token-walk
params:
  stage: logits
  sentence: "A b"
  experts: [One, Two]
  router: [[1, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0]]
\`\`\`
`;

const lesson = (body: string, front = frontMatter) => `${front}\n${body}`;

/** The problems parseLesson reports, or [] if it accepts the source. */
const problemsOf = (source: string): string[] => lessonProblems(FILE, source);

describe('real lessons', () => {
  it('the course map and every lesson file parse and validate', () => {
    const { course } = loadCourseFrom(lessonsDir);
    const files = fs.readdirSync(lessonsDir).filter((f) => f.endsWith('.md'));
    expect(files.length).toBeGreaterThan(0);
    expect(Object.keys(course.lessons).sort()).toEqual(files.map((f) => f.replace(/\.md$/, '')).sort());
    expect(course.phases.map((p) => p.id)).toEqual(['why-sparse', 'one-token', 'balance-and-cost', 'design-your-own', 'real-lm']);
    // The final quiz closes the course, after the real language model's lessons.
    expect(course.phases.at(-1)?.lessons.at(-1)?.id).toBe('final-quiz');
  });

  it('Phase 2 is five lessons that keep every step of the old walk, each step ending with a check', () => {
    const { course } = loadCourseFrom(lessonsDir);
    const phase = course.phases.find((p) => p.id === 'one-token')!;
    expect(phase.lessons.map((l) => [l.id, l.available])).toEqual([
      ['pick-and-predict', true],
      ['gating-logits', true],
      ['top2-cut', true],
      ['silent-experts', true],
      ['weighted-sum', true],
    ]);
    for (const entry of phase.lessons) expect(entry.minutes, entry.id).toBeGreaterThanOrEqual(5);
    const steps = phase.lessons.flatMap((l) => course.lessons[l.id].steps);
    // Every step of the retired walk-one-token lesson lives on, with its id (so its answers migrate).
    for (const id of ['pick-token', 'embedding', 'predict', 'logits', 'softmax', 'top2', 'gates', 'experts', 'combine']) {
      expect(steps.map((s) => s.id)).toContain(id);
    }
    for (const step of steps) {
      expect(step.blocks.at(-1)?.kind, step.id).toBe('check');
      const widgets = step.blocks.flatMap((b) => (b.kind === 'widget' ? [b.name] : []));
      expect(widgets.every((w) => w === 'token-walk' || w === 'topk-cut'), step.id).toBe(true);
    }
    // Shared params from the front matter reach every placement, defaults filled in.
    const logits = course.lessons['gating-logits'].steps.find((s) => s.id === 'logits')!.blocks.find((b) => b.kind === 'widget');
    expect(logits).toMatchObject({ params: { stage: 'logits', top_k: 2, d_ff: 16, activation: 'silu' } });
    // The top-2 lesson places the topk-cut widget with a formula behind a toggle.
    const cut = course.lessons['top2-cut'].steps.find((s) => s.id === 'discarded-mass')!;
    expect(cut.blocks.map((b) => (b.kind === 'widget' ? b.name : b.kind))).toEqual(['prose', 'topk-cut', 'formula', 'check']);
  });

  it('a lesson the map lists but nobody has written yet shows as coming soon', () => {
    // A copy of the real lessons folder whose map names one lesson with no file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-lessons-'));
    fs.cpSync(lessonsDir, dir, { recursive: true });
    const map = fs.readFileSync(path.join(dir, 'path.yaml'), 'utf8');
    const unwritten = '      - { id: not-written-yet, title: "A lesson still being written", minutes: 5 }\n';
    fs.writeFileSync(path.join(dir, 'path.yaml'), map.replace(/(    lessons:\n)/, `$1${unwritten}`));
    const entries = loadCourseFrom(dir).course.phases.flatMap((p) => p.lessons);
    expect(entries.find((e) => e.id === 'pick-and-predict')?.available).toBe(true);
    // Besides it, only the lessons of the map that have no file yet (Phase 5 while it is written).
    const noFile = entries.filter((e) => e.id !== 'not-written-yet' && !fs.existsSync(path.join(lessonsDir, `${e.id}.md`))).map((e) => e.id);
    expect(entries.filter((e) => !e.available).map((e) => e.id)).toEqual(['not-written-yet', ...noFile]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('rendering', () => {
  it('renders Markdown and KaTeX, and leaves raw HTML inert', () => {
    const parsed = parseLesson(FILE, lesson(`## One {#one}\n\nSome **bold**, $x^2$ and <script>alert(1)</script>.\n\n$$\\sum_i x_i$$\n\n${goodCheck}`));
    const prose = parsed.steps[0].blocks[0];
    expect(prose.kind).toBe('prose');
    const html = prose.kind === 'prose' ? prose.html : '';
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('class="katex"');
    expect(html).toContain('katex-display');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('keeps code spans with dollar signs as code', () => {
    const parsed = parseLesson(FILE, lesson(`## One {#one}\n\nCost: \`$5 and $6\` each.\n\n${goodCheck}`));
    const block = parsed.steps[0].blocks[0];
    expect(block.kind === 'prose' && block.html).toContain('<code>$5 and $6</code>');
  });
});

describe('malformed lessons are rejected', () => {
  it('accepts the minimal valid lesson used below', () => {
    expect(problemsOf(lesson(`## One {#one}\n\nText.\n\n${walkWidget}\n${goodCheck}`))).toEqual([]);
  });

  it('missing front matter field', () => {
    const front = frontMatter.replace('minutes: 5\n', '');
    expect(problemsOf(lesson(`## One {#one}\n\n${goodCheck}`, front))).toEqual([`${FILE}: front matter: minutes: missing field`]);
  });

  it('no front matter at all', () => {
    expect(problemsOf(`## One {#one}\n`)[0]).toMatch(/^lessons\/sample\.md: front matter: missing/);
  });

  it('duplicate step id', () => {
    const problems = problemsOf(lesson(`## One {#same}\n\n${goodCheck}\n## Two {#same}\n\n${goodCheck}`));
    expect(problems).toEqual([`${FILE}: step "same": duplicate step id (first used on line 9)`]);
  });

  it('check with no correct option', () => {
    const check = goodCheck.replace('    correct: true\n', '');
    expect(problemsOf(lesson(`## Logits {#logits}\n\n${check}`))).toEqual([
      `${FILE}: step "logits": check: exactly one option must be correct, found 0`,
    ]);
  });

  it('check with two correct options', () => {
    const check = goodCheck.replace('    feedback: No.', '    correct: true\n    feedback: No.');
    expect(problemsOf(lesson(`## Logits {#logits}\n\n${check}`))).toEqual([
      `${FILE}: step "logits": check: exactly one option must be correct, found 2`,
    ]);
  });

  it('option without feedback', () => {
    const check = goodCheck.replace('    feedback: No.\n', '');
    expect(problemsOf(lesson(`## Logits {#logits}\n\n${check}`))).toEqual([
      `${FILE}: step "logits": check: options[1].feedback: missing field`,
    ]);
  });

  it('unknown widget name', () => {
    const widget = walkWidget.replace('name: token-walk', 'name: token-wlak');
    expect(problemsOf(lesson(`## One {#one}\n\n${widget}\n${goodCheck}`))).toEqual([
      `${FILE}: step "one": widget: unknown widget "token-wlak" (known: ${Object.keys(widgetCatalog).join(', ')})`,
    ]);
  });

  it('bad widget params', () => {
    const widget = walkWidget.replace('[0, 1, 0, 0, 0, 0, 0, 0]]', '[0, 1, 0]]');
    expect(problemsOf(lesson(`## One {#one}\n\n${widget}\n${goodCheck}`))).toEqual([
      `${FILE}: step "one": widget "token-walk": params.router[1]: each router row needs 8 numbers`,
    ]);
  });

  it('bad YAML in a widget block', () => {
    const widget = '```widget\nname: token-walk\nparams: { stage: [logits\n```\n';
    const problems = problemsOf(lesson(`## One {#one}\n\n${widget}\n${goodCheck}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^lessons\/sample\.md: step "one": widget: invalid YAML: /);
  });

  it('step heading without an id', () => {
    expect(problemsOf(lesson(`## A step without id\n\n${goodCheck}`))).toEqual([
      `${FILE}: step "A step without id": heading has no id; write it as "## Title {#step-id}"`,
    ]);
  });

  it('bad TeX names the formula', () => {
    const problems = problemsOf(lesson(`## One {#one}\n\nBroken $\\frac{1}{$ here.\n\n${goodCheck}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^lessons\/sample\.md: step "one": math "\\frac\{1\}\{": /);
  });

  it('text before the first step', () => {
    expect(problemsOf(lesson(`Stray words.\n\n## One {#one}\n\n${goodCheck}`))).toEqual([
      `${FILE}: line 9: content before the first step heading`,
    ]);
  });

  it('reports every problem of a file at once', () => {
    const check = goodCheck.replace('    correct: true\n', '');
    expect(problemsOf(lesson(`## One {#x}\n\n${check}\n## Two {#x}\n\n${goodCheck}`))).toHaveLength(2);
  });

  it('a lesson the course map does not list', () => {
    const pathYaml = 'title: T\nsummary: S\nphases:\n  - id: one-token\n    title: P\n    summary: S\n    lessons:\n      - { id: other, title: Other, minutes: 3 }\n';
    expect(() =>
      parseCourse('lessons/path.yaml', pathYaml, [{ file: FILE, source: lesson(`## One {#one}\n\n${goodCheck}`) }]),
    ).toThrow(`${FILE}: front matter: id: "sample" is not listed in lessons/path.yaml`);
  });
});
