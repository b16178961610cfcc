// Quizzes as data: lessons/quizzes/<id>.yaml → validated, rendered quiz data.
// Runs at build time (lesson plugin) and in tests; no DOM, no Vite.
//
// A quiz file holds {id, title, intro?, questions}. A question is either
//   - a choice question: {id, question, options: [{text, correct?, feedback}]},
//     exactly one option correct and every option with its feedback; or
//   - a numeric question: {id, generate: {kind, ...ranges}, question, feedback: {<role>: text}}.
//     Its numbers are drawn fresh on every attempt and its answer and wrong
//     options are computed by the engine (web/src/widgets/quiz/numeric.ts), so
//     the file holds no answer, only the pools to draw from and one feedback
//     text per option role. `{name}` placeholders are filled with the drawn numbers.
//   - a model question: {id, model: {kind, ...}, question, feedback: {<role>: text}}, answered by
//     the language model the page loads (web/src/widgets/quiz/model-questions.ts): what it asks
//     is drawn fresh on every attempt (a held-out token, an expert to switch off) and the engine
//     gives the answer. Placeholders as above, and per option `{option_*}` values.
// Every problem is reported as `<file>: <place>: <reason>`.
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { describeIssues, parseOptions } from './schema';
import { renderInline } from './markdown';
import type { Glossary } from './glossary';

const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lowercase words joined by "-"');
const text = z.string().trim().min(1, 'must not be empty');
const pool = (min: number, max: number) => z.array(z.number().int().min(min).max(max)).min(1, 'needs at least one value');

/** The option roles of each numeric kind: `correct` plus the mistakes its wrong options stand for. */
export const numericRoles = {
  /** Active parameters from a total size, the shared share, E and k (engine `solve_active_from_total`). */
  'active-from-total': ['correct', 'total', 'wrong_k', 'idle'],
  /** Active parameters of a stack of MoE layers from its shape (engine `layer_cost`). */
  'active-from-shape': ['correct', 'total', 'wrong_k', 'one_layer'],
  /** Expert capacity for a capacity factor, a group of tokens, E and k (engine `expert_capacity_for`). */
  capacity: ['correct', 'no_factor', 'wrong_k', 'tokens'],
} as const;
export type NumericKind = keyof typeof numericRoles;
export type NumericRole = (typeof numericRoles)[NumericKind][number];

const ActiveFromTotal = z
  .object({
    kind: z.literal('active-from-total'),
    experts: pool(2, 256),
    top_k: pool(1, 16),
    /** Total parameters, in billions. */
    total_billions: pool(1, 5000),
    /** Share of the total every token uses (attention, embeddings), in percent. */
    shared_percent: pool(0, 90),
  })
  .strict();

const ActiveFromShape = z
  .object({
    kind: z.literal('active-from-shape'),
    experts: pool(2, 256),
    top_k: pool(1, 16),
    d_model: pool(8, 16384),
    d_ff: pool(8, 65536),
    layers: pool(1, 128),
  })
  .strict();

const Capacity = z
  .object({
    kind: z.literal('capacity'),
    experts: pool(2, 256),
    top_k: pool(1, 16),
    /** Tokens in one group (a batch row). */
    tokens: pool(1, 1 << 20),
    capacity_factor: z.array(z.number().positive().max(16)).min(1, 'needs at least one value'),
  })
  .strict();

/** The option roles of each model-question kind (`model.kind`). */
export const modelRoles = {
  /** Which expert does layer l pick first for a held-out token? The router's 1st, 2nd, 3rd and last choice. */
  'lm-route': ['correct', 'second', 'third', 'last'],
  /** Which domain's held-out loss rises most with expert e off in every layer? Domains by rise, largest first. */
  'lm-knockout': ['correct', 'middle', 'least'],
} as const;
export type ModelKind = keyof typeof modelRoles;
export type ModelRole = (typeof modelRoles)[ModelKind][number];

const folder = z.string().trim().min(1).max(200);

const LmRoute = z
  .object({
    kind: z.literal('lm-route'),
    /** The model folder, relative to the site root, e.g. models/moe-lm/. */
    folder,
    /** Layers to ask about, numbered from 1. */
    layers: pool(1, 64),
    /** Tokens of held-out text before the token, shown as its context (the model reads them too). */
    context: z.number().int().min(1).max(64),
  })
  .strict();

const LmKnockout = z
  .object({
    kind: z.literal('lm-knockout'),
    folder,
    /** Experts to switch off, one drawn per attempt. */
    experts: pool(0, 255),
    /** Predicted tokens per held-out domain in each evaluation. */
    max_tokens: z.number().int().min(32).max(4096),
  })
  .strict();

const ModelSpecSchema = z.discriminatedUnion('kind', [LmRoute, LmKnockout], {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${Object.keys(modelRoles).join(', ')}` : undefined),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/** The text of a question whose options are generated, with one feedback text per option role. */
const generatedQuestionFields = {
  question: text,
  feedback: z.record(z.string(), text),
};

/** Every role of the generator has its feedback, and no feedback names a role it does not make. */
function checkFeedbackRoles(feedback: Record<string, string>, roles: readonly string[], ctx: z.RefinementCtx) {
  for (const role of roles) {
    if (!(role in feedback)) ctx.addIssue({ code: 'custom', path: ['feedback', role], message: 'missing feedback for this option' });
  }
  for (const role of Object.keys(feedback)) {
    if (!roles.includes(role)) ctx.addIssue({ code: 'custom', path: ['feedback', role], message: `unknown option role (expected ${roles.join(', ')})` });
  }
}

const ModelQuestionSchema = z
  .object({ id: slug, model: ModelSpecSchema, ...generatedQuestionFields })
  .strict()
  .superRefine((q, ctx) => checkFeedbackRoles(q.feedback, modelRoles[q.model.kind], ctx));

const Generate = z.discriminatedUnion('kind', [ActiveFromTotal, ActiveFromShape, Capacity], {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${Object.keys(numericRoles).join(', ')}` : undefined),
});
export type NumericSpec = z.infer<typeof Generate>;

const ChoiceQuestionSchema = z
  .object({
    id: slug,
    question: text,
    options: z
      .array(z.object({ text, correct: z.boolean().optional(), feedback: text }).strict())
      .min(2, 'needs at least 2 options'),
  })
  .strict()
  .superRefine((q, ctx) => {
    const found = q.options.filter((o) => o.correct === true).length;
    if (found !== 1) ctx.addIssue({ code: 'custom', path: ['options'], message: `exactly one option must be correct, found ${found}` });
  });

const NumericQuestionSchema = z
  .object({ id: slug, generate: Generate, ...generatedQuestionFields })
  .strict()
  .superRefine((q, ctx) => {
    checkFeedbackRoles(q.feedback, numericRoles[q.generate.kind], ctx);
    if (q.generate.top_k.some((k) => q.generate.experts.every((e) => k >= e))) {
      ctx.addIssue({ code: 'custom', path: ['generate', 'top_k'], message: 'every top_k must be below some value of experts' });
    }
  });

const QuestionSchema = z.unknown().transform((raw, ctx) => {
  const keyed = (key: string) => typeof raw === 'object' && raw !== null && key in raw;
  const schema = keyed('generate') ? NumericQuestionSchema : keyed('model') ? ModelQuestionSchema : ChoiceQuestionSchema;
  const r = schema.safeParse(raw, parseOptions);
  if (r.success) return r.data as z.infer<typeof ChoiceQuestionSchema> | z.infer<typeof NumericQuestionSchema> | z.infer<typeof ModelQuestionSchema>;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

export const QuizFileSchema = z
  .object({
    id: slug,
    title: text,
    intro: text.optional(),
    questions: z.array(QuestionSchema).min(1, 'a quiz needs at least one question'),
  })
  .strict()
  .superRefine((quiz, ctx) => {
    const seen = new Set<string>();
    quiz.questions.forEach((q, i) => {
      if (q && seen.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `duplicate question id "${q.id}"` });
      if (q) seen.add(q.id);
    });
  });

// ---- What the player receives ----

export interface QuizOption {
  html: string;
  correct: boolean;
  feedbackHtml: string;
}

export type QuizQuestion =
  | { kind: 'choice'; id: string; questionHtml: string; options: QuizOption[] }
  | {
      kind: 'numeric';
      id: string;
      generate: NumericSpec;
      /** HTML with `{name}` placeholders for the drawn numbers. */
      questionHtml: string;
      feedbackHtml: Record<string, string>;
    }
  | {
      kind: 'model';
      id: string;
      spec: ModelSpec;
      /** HTML with `{name}` placeholders for what is drawn and what the model answers. */
      questionHtml: string;
      feedbackHtml: Record<string, string>;
    };

export interface Quiz {
  id: string;
  title: string;
  introHtml: string;
  questions: QuizQuestion[];
}

export class QuizError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'QuizError';
  }
}

/** `questions[3].options: exactly one …` → `question 4 ("router-job"): options: exactly one …` */
function place(issuePath: string, data: unknown): string {
  const m = /^questions\[(\d+)\](?:\.(.*))?$/.exec(issuePath);
  if (!m) return issuePath;
  const i = Number(m[1]);
  const questions = (data as { questions?: unknown[] } | null)?.questions;
  const id = (questions?.[i] as { id?: unknown } | undefined)?.id;
  const named = typeof id === 'string' ? `question ${i + 1} ("${id}")` : `question ${i + 1}`;
  return m[2] ? `${named}: ${m[2]}` : named;
}

/** Parses and validates one quiz file; `file` (e.g. `lessons/quizzes/final-quiz.yaml`) names it in messages. */
export function parseQuiz(file: string, source: string, glossary: Glossary = {}): Quiz {
  let data: unknown;
  try {
    data = parseYaml(source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new QuizError([`${file}: invalid YAML: ${message.split('\n')[0]}`]);
  }
  const checked = QuizFileSchema.safeParse(data ?? {}, parseOptions);
  if (!checked.success) {
    throw new QuizError(
      describeIssues(checked.error).map((line) => {
        const colon = line.indexOf(': ');
        if (colon < 0) return `${file}: ${line}`;
        return `${file}: ${place(line.slice(0, colon), data)}: ${line.slice(colon + 2)}`;
      }),
    );
  }
  const quiz = checked.data;
  const expectedId = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  if (quiz.id !== expectedId) throw new QuizError([`${file}: id: must match the file name "${expectedId}", got "${quiz.id}"`]);
  const render = (md: string) => renderInline(md, glossary);
  return {
    id: quiz.id,
    title: quiz.title,
    introHtml: quiz.intro ? render(quiz.intro) : '',
    questions: quiz.questions.map((q): QuizQuestion =>
      'model' in q
        ? {
            kind: 'model',
            id: q.id,
            spec: q.model,
            questionHtml: render(q.question),
            feedbackHtml: Object.fromEntries(Object.entries(q.feedback).map(([role, t]) => [role, render(t)])),
          }
        : 'generate' in q
        ? {
            kind: 'numeric',
            id: q.id,
            generate: q.generate,
            questionHtml: render(q.question),
            feedbackHtml: Object.fromEntries(Object.entries(q.feedback).map(([role, t]) => [role, render(t)])),
          }
        : {
            kind: 'choice',
            id: q.id,
            questionHtml: render(q.question),
            options: q.options.map((o) => ({ html: render(o.text), correct: o.correct === true, feedbackHtml: render(o.feedback) })),
          },
    ),
  };
}

/** Parses every quiz file; collects all problems before failing. */
export function parseQuizzes(files: { file: string; source: string }[], glossary: Glossary = {}): Record<string, Quiz> {
  const problems: string[] = [];
  const quizzes: Record<string, Quiz> = {};
  for (const { file, source } of files) {
    try {
      const quiz = parseQuiz(file, source, glossary);
      quizzes[quiz.id] = quiz;
    } catch (err) {
      if (err instanceof QuizError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new QuizError(problems);
  return quizzes;
}
