// Schemas for lesson data: the course map (lessons/path.yaml), a lesson's
// front matter, and the YAML inside ```widget and ```check blocks.
// Used at build time by the lesson plugin and in tests; no DOM, no Vite.
import * as z from 'zod';

const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lowercase words joined by "-"');
const text = z.string().trim().min(1, 'must not be empty');

export const PathSchema = z
  .object({
    title: text,
    summary: text,
    phases: z
      .array(
        z
          .object({
            id: slug,
            title: text,
            summary: text,
            lessons: z
              .array(z.object({ id: slug, title: text, minutes: z.number().int().positive() }).strict())
              .min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type PathFile = z.infer<typeof PathSchema>;

export const FrontMatterSchema = z
  .object({
    id: slug,
    title: text,
    phase: slug,
    minutes: z.number().int().positive(),
    summary: text,
    /** Params shared by every placement of a widget in this lesson, by widget name. */
    widgets: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .strict();
export type FrontMatter = z.infer<typeof FrontMatterSchema>;

/** A formula shown behind a "Show the formula" toggle; `label` says what it computes. */
export const FormulaBlockSchema = z
  .object({
    label: text,
    tex: text,
  })
  .strict();

export const WidgetBlockSchema = z
  .object({
    name: text,
    params: z.record(z.string(), z.unknown()).optional(),
    /** Optional formula for what the widget shows, revealed on request under it. */
    formula: FormulaBlockSchema.optional(),
  })
  .strict();

export const CheckBlockSchema = z
  .object({
    question: text,
    options: z
      .array(
        z
          .object({
            text: text,
            correct: z.boolean().optional(),
            feedback: text,
          })
          .strict(),
      )
      .min(2, 'needs at least 2 options'),
  })
  .strict()
  .superRefine((check, ctx) => {
    const found = check.options.filter((o) => o.correct === true).length;
    if (found !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: `exactly one option must be correct, found ${found}` });
    }
  });
export type CheckBlock = z.infer<typeof CheckBlockSchema>;

/** Parse options that turn zod's default wording into ours ("missing field"). */
export const parseOptions = {
  error: (issue: { code: string; input?: unknown }) =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'missing field' : undefined,
};

/** One readable line per issue: `options[1].feedback: missing field`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
      .join('');
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}
