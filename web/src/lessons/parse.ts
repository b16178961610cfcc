// Lesson files → validated lesson data. Runs at build time (lesson plugin)
// and in tests. Every problem is reported as `<file>: <place>: <reason>`, and
// all problems of a file are collected before failing, so an author fixes
// them in one go.
//
// A lesson file is YAML front matter, then steps. A step starts at a heading
// `## Title {#step-id}`; inside it, prose is Markdown with $math$, a fenced
// ```widget block holds YAML {name, params}, a fenced ```check block holds
// YAML {question, options: [{text, correct?, feedback}]}, a fenced ```formula
// block holds YAML {label, tex} shown behind a "Show the formula" toggle (a
// widget block may carry one too, as `formula:`). Glossary terms are marked
// [[term]] or [[term|shown words]] and must exist in lessons/glossary.yaml.
import { parse as parseYaml } from 'yaml';
import type * as z from 'zod';
import { CheckBlockSchema, FormulaBlockSchema, FrontMatterSchema, PathSchema, WidgetBlockSchema, describeIssues, parseOptions } from './schema';
import type { FrontMatter } from './schema';
import { MathError, renderFormula, renderInline, renderMarkdown } from './markdown';
import { TermError } from './glossary';
import type { Glossary } from './glossary';
import type { Block, Course, Lesson, Step } from './types';
import { widgetCatalog } from '../widgets/catalog';
import type { WidgetSpec } from '../widgets/catalog';

export class LessonError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'LessonError';
  }
}

type Catalog = Record<string, WidgetSpec>;

function yamlReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `invalid YAML: ${message.split('\n')[0].replace(/:\s*$/, '')}`;
}

function validate<T>(schema: z.ZodType<T>, data: unknown): { ok: true; value: T } | { ok: false; reasons: string[] } {
  const result = schema.safeParse(data, parseOptions);
  return result.success ? { ok: true, value: result.data } : { ok: false, reasons: describeIssues(result.error) };
}

function splitFrontMatter(source: string): { yaml: string; body: string; bodyLine: number } | null {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(source);
  if (!match) return null;
  return { yaml: match[1], body: source.slice(match[0].length), bodyLine: match[0].split('\n').length };
}

interface RawStep {
  id: string;
  title: string;
  line: number;
  parts: ({ kind: 'prose'; text: string } | { kind: FencedKind; yaml: string; line: number })[];
}

type FencedKind = 'widget' | 'check' | 'formula';
const fencedKinds: readonly string[] = ['widget', 'check', 'formula'];
const isFenced = (kind: string): kind is FencedKind => fencedKinds.includes(kind);

const headingWithId = /^##[ \t]+(.+?)[ \t]*\{#([^}]*)\}[ \t]*$/;
const fenceOpen = /^(`{3,}|~{3,})[ \t]*([\w-]*)[ \t]*$/;
const stepId = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Splits the body into steps and their prose / widget / check parts, honouring code fences. */
function splitSteps(body: string, firstLine: number, problem: (place: string, reason: string) => void): RawStep[] {
  const steps: RawStep[] = [];
  const seen = new Map<string, number>();
  const lines = body.split(/\r?\n/);
  let prose: string[] = [];
  type Fence = { marker: string; kind: string; line: number; lines: string[] };
  let fence: Fence | null = null;

  const current = () => steps[steps.length - 1];
  const flushProse = () => {
    const text = prose.join('\n');
    if (text.trim() && current()) current().parts.push({ kind: 'prose', text });
    prose = [];
  };

  for (const [i, line] of lines.entries()) {
    const lineNo = firstLine + i;
    if (fence) {
      const bare = line.trim();
      const closes = /^(`{3,}|~{3,})$/.test(bare) && bare[0] === fence.marker[0] && bare.length >= fence.marker.length;
      if (isFenced(fence.kind)) {
        if (closes) {
          if (current()) current().parts.push({ kind: fence.kind, yaml: fence.lines.join('\n'), line: fence.line });
          fence = null;
        } else fence.lines.push(line);
      } else {
        prose.push(line);
        if (closes) fence = null;
      }
      continue;
    }
    const open = fenceOpen.exec(line);
    if (open) {
      if (!current()) problem(`line ${lineNo}`, 'content before the first step heading');
      fence = { marker: open[1], kind: open[2], line: lineNo, lines: [] };
      if (!isFenced(open[2])) prose.push(line);
      else flushProse();
      continue;
    }
    if (/^##[ \t]/.test(line)) {
      flushProse();
      const heading = headingWithId.exec(line);
      if (!heading) {
        const title = line.replace(/^##[ \t]+/, '').trim();
        problem(`step "${title}"`, 'heading has no id; write it as "## Title {#step-id}"');
        // Keep collecting under a stand-in so later problems are still reported.
        steps.push({ id: `line-${lineNo}`, title, line: lineNo, parts: [] });
        continue;
      }
      const [, title, id] = heading;
      if (!stepId.test(id)) problem(`step "${id}"`, 'id must be lowercase words joined by "-"');
      const first = seen.get(id);
      if (first !== undefined) problem(`step "${id}"`, `duplicate step id (first used on line ${first})`);
      else seen.set(id, lineNo);
      steps.push({ id, title: title.trim(), line: lineNo, parts: [] });
      continue;
    }
    if (!current() && line.trim()) {
      problem(`line ${lineNo}`, 'content before the first step heading');
      continue;
    }
    prose.push(line);
  }
  if (fence) problem(`line ${fence.line}`, `unclosed ${fence.marker} fence`);
  flushProse();
  return steps;
}

/**
 * Parses and validates one lesson file. `file` is the path used in messages
 * (e.g. `lessons/walk-one-token.md`). Throws LessonError listing every problem.
 */
export function parseLesson(file: string, source: string, catalog: Catalog = widgetCatalog, glossary: Glossary = {}): Lesson {
  const problems: string[] = [];
  const problem = (place: string, reason: string) => problems.push(`${file}: ${place}: ${reason}`);

  const split = splitFrontMatter(source);
  if (!split) throw new LessonError([`${file}: front matter: missing; start the file with a --- YAML block ---`]);

  let front: FrontMatter | undefined;
  try {
    const checked = validate(FrontMatterSchema, parseYaml(split.yaml) ?? {});
    if (checked.ok) front = checked.value;
    else checked.reasons.forEach((r) => problem('front matter', r));
  } catch (err) {
    problem('front matter', yamlReason(err));
  }
  const expectedId = file.replace(/^.*\//, '').replace(/\.md$/, '');
  if (front && front.id !== expectedId) problem('front matter', `id: must match the file name "${expectedId}", got "${front.id}"`);

  const shared = front?.widgets ?? {};
  for (const name of Object.keys(shared)) {
    if (!Object.hasOwn(catalog, name)) problem('front matter', `widgets: unknown widget "${name}"`);
  }

  const stateOwners = new Map<string, string>();
  const steps: Step[] = [];
  const rawSteps = splitSteps(split.body, split.bodyLine, problem);
  if (rawSteps.length === 0) problem('steps', 'a lesson needs at least one "## Title {#step-id}" step');

  for (const raw of rawSteps) {
    const at = `step "${raw.id}"`;
    const blocks: Block[] = [];
    let checks = 0;
    for (const part of raw.parts) {
      if (part.kind === 'prose') {
        try {
          blocks.push({ kind: 'prose', html: renderMarkdown(part.text, glossary) });
        } catch (err) {
          problem(at, err instanceof MathError || err instanceof TermError ? err.message : String(err));
        }
        continue;
      }
      let data: unknown;
      try {
        data = parseYaml(part.yaml);
      } catch (err) {
        problem(`${at}: ${part.kind}`, yamlReason(err));
        continue;
      }
      if (part.kind === 'widget') {
        const block = validate(WidgetBlockSchema, data ?? {});
        if (!block.ok) {
          block.reasons.forEach((r) => problem(`${at}: widget`, r));
          continue;
        }
        const { name } = block.value;
        if (!Object.hasOwn(catalog, name)) {
          problem(`${at}: widget`, `unknown widget "${name}" (known: ${Object.keys(catalog).join(', ')})`);
          continue;
        }
        const spec = catalog[name];
        const params = validate(spec.params, { ...(shared[name] ?? {}), ...(block.value.params ?? {}) });
        if (!params.ok) {
          params.reasons.forEach((r) => problem(`${at}: widget "${name}"`, `params.${r}`));
          continue;
        }
        for (const key of Object.keys(spec.state)) {
          const owner = stateOwners.get(key);
          if (owner && owner !== name) problem(`${at}: widget "${name}"`, `state key "${key}" is also used by widget "${owner}"`);
          stateOwners.set(key, name);
        }
        blocks.push({ kind: 'widget', name, params: params.value as Record<string, unknown> });
        if (block.value.formula) {
          try {
            blocks.push({ kind: 'formula', label: block.value.formula.label, html: renderFormula(block.value.formula.tex) });
          } catch (err) {
            problem(`${at}: widget "${name}": formula`, err instanceof MathError ? err.message : String(err));
          }
        }
      } else if (part.kind === 'formula') {
        const formula = validate(FormulaBlockSchema, data ?? {});
        if (!formula.ok) {
          formula.reasons.forEach((r) => problem(`${at}: formula`, r));
          continue;
        }
        try {
          blocks.push({ kind: 'formula', label: formula.value.label, html: renderFormula(formula.value.tex) });
        } catch (err) {
          problem(`${at}: formula`, err instanceof MathError ? err.message : String(err));
        }
      } else {
        const check = validate(CheckBlockSchema, data ?? {});
        if (!check.ok) {
          check.reasons.forEach((r) => problem(`${at}: check`, r));
          continue;
        }
        checks += 1;
        try {
          blocks.push({
            kind: 'check',
            id: checks === 1 ? raw.id : `${raw.id}-${checks}`,
            questionHtml: renderInline(check.value.question, glossary),
            options: check.value.options.map((o) => ({
              html: renderInline(o.text, glossary),
              correct: o.correct === true,
              feedbackHtml: renderInline(o.feedback, glossary),
            })),
          });
        } catch (err) {
          problem(`${at}: check`, err instanceof MathError || err instanceof TermError ? err.message : String(err));
        }
      }
    }
    steps.push({ id: raw.id, title: raw.title, blocks });
  }

  if (problems.length > 0 || !front) throw new LessonError(problems);
  return { id: front.id, title: front.title, phase: front.phase, minutes: front.minutes, summary: front.summary, steps };
}

/**
 * Builds the course from lessons/path.yaml and the lesson files. Lessons the
 * path lists without a file become "coming soon" entries; a file the path
 * does not list, or listed under another phase, is an error.
 */
export function parseCourse(
  pathFile: string,
  pathSource: string,
  lessonFiles: { file: string; source: string }[],
  catalog: Catalog = widgetCatalog,
  glossary: Glossary = {},
): Course {
  const problems: string[] = [];
  let path: ReturnType<typeof PathSchema.parse> | undefined;
  try {
    const checked = validate(PathSchema, parseYaml(pathSource) ?? {});
    if (checked.ok) path = checked.value;
    else checked.reasons.forEach((r) => problems.push(`${pathFile}: ${r}`));
  } catch (err) {
    problems.push(`${pathFile}: ${yamlReason(err)}`);
  }

  const lessons: Record<string, Lesson> = {};
  for (const { file, source } of lessonFiles) {
    try {
      const lesson = parseLesson(file, source, catalog, glossary);
      lessons[lesson.id] = lesson;
    } catch (err) {
      if (err instanceof LessonError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (!path) throw new LessonError(problems);

  const phaseOf = new Map<string, string>();
  for (const phase of path.phases) {
    for (const entry of phase.lessons) {
      if (phaseOf.has(entry.id)) problems.push(`${pathFile}: phase "${phase.id}": lesson "${entry.id}" is listed twice`);
      phaseOf.set(entry.id, phase.id);
    }
  }
  for (const lesson of Object.values(lessons)) {
    const file = lessonFiles.find((f) => f.file.endsWith(`/${lesson.id}.md`))?.file ?? lesson.id;
    const listed = phaseOf.get(lesson.id);
    if (!listed) problems.push(`${file}: front matter: id: "${lesson.id}" is not listed in ${pathFile}`);
    else if (listed !== lesson.phase) {
      problems.push(`${file}: front matter: phase: "${lesson.phase}" but ${pathFile} lists it under "${listed}"`);
    }
  }
  if (problems.length > 0) throw new LessonError(problems);

  return {
    title: path.title,
    summary: path.summary,
    phases: path.phases.map((phase) => ({
      id: phase.id,
      title: phase.title,
      summary: phase.summary,
      lessons: phase.lessons.map((entry) => {
        const lesson = lessons[entry.id];
        return lesson
          ? { id: entry.id, title: lesson.title, minutes: lesson.minutes, available: true }
          : { id: entry.id, title: entry.title, minutes: entry.minutes, available: false };
      }),
    })),
    lessons,
    glossary,
  };
}
