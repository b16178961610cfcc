// Quiz questions answered by the language model the page loads: each attempt draws what to ask
// (a held-out token and a layer, or an expert to switch off) and the engine gives the answer and
// the wrong options (the router's other choices; the domains whose loss rose less). Nothing here
// computes model math: it draws, asks the engine, sorts its answers, formats and escapes.
import type { LmNamedText, LmEvaluation, LmInfo, LmTokens, LmTrace, Result } from '../../engine';
import type { ModelSpec, QuizQuestion } from '../../lessons/quiz';
import { lossRows } from '../lm-compare/compare';
import type { GeneratedOption, GeneratedQuestion } from './numeric';
import { pick } from './rng';

type Answer<T> = Result<T> | Promise<Result<T>>;

/** What model questions need: the engine's lm calls, the loaded model and the held-out text. */
export interface ModelQuestionContext {
  lmTokenize(id: number, text: string): Answer<LmTokens>;
  lmTrace(id: number, ids: Int32Array | number[]): Answer<LmTrace>;
  lmEval(id: number, texts: { name: string; text: string }[], options?: { max_tokens?: number; experts_off?: number[] }): Answer<LmEvaluation>;
  /** The model of `folder`, loaded once per page; an error says why it could not be. */
  model(folder: string): Promise<Result<LmInfo>>;
  /** Every domain's held-out text. */
  heldout(): Promise<Result<LmNamedText[]>>;
}

type ModelQuestion = Extract<QuizQuestion, { kind: 'model' }>;

class Refused extends Error {}

async function unwrap<T>(r: Answer<T>): Promise<T> {
  const result = await r;
  if (!result.ok) throw new Refused(result.error);
  return result.value;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Token text as shown in a question: whitespace made visible, HTML escaped. */
const shown = (s: string) => escapeHtml(s.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '·'));

function fill(html: string, values: Record<string, string>): string {
  return html.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

const percent = (p: number) => `${(100 * p).toFixed(1)}%`;

/** A held-out token with `context` tokens before it: the last token of a window cut at a random place. */
async function drawToken(spec: Extract<ModelSpec, { kind: 'lm-route' }>, info: LmInfo, texts: LmNamedText[], random: () => number, ctx: ModelQuestionContext) {
  const domain = pick(texts, random);
  // A slice generous enough for context + 2 tokens (a token is rarely over 12 characters); its
  // first token may be a piece of a longer one, so it is dropped.
  const span = (spec.context + 3) * 12;
  const start = Math.floor(random() * Math.max(1, domain.text.length - span));
  const tokens = await unwrap(ctx.lmTokenize(info.id, domain.text.slice(start, start + span)));
  if (tokens.ids.length < spec.context + 2) throw new Refused(`${domain.name}: too few tokens at character ${start}`);
  const ids = tokens.ids.slice(1, spec.context + 2); // [context + 1]
  const pieces = tokens.pieces.slice(1, spec.context + 2);
  return { domain: domain.name, ids, pieces };
}

async function routeQuestion(q: ModelQuestion, spec: Extract<ModelSpec, { kind: 'lm-route' }>, info: LmInfo, random: () => number, ctx: ModelQuestionContext): Promise<GeneratedQuestion> {
  const texts = await unwrap(ctx.heldout());
  const layers = spec.layers.filter((l) => l <= info.num_hidden_layers);
  if (!layers.length) throw new Refused(`layers: the model has ${info.num_hidden_layers} layers`);
  const layer = pick(layers, random);
  const token = await drawToken(spec, info, texts, random, ctx);
  const trace = await unwrap(ctx.lmTrace(info.id, token.ids));
  const { routing } = trace;
  const T = routing.tokens;
  const E = routing.experts;
  const row = (layer - 1) * T + (T - 1); // the last token, in the asked layer
  const probs = Array.from(routing.router_probs.subarray(row * E, (row + 1) * E)); // [E]
  const first = routing.topk_ids[row * routing.top_k];
  // The router's ranking; the engine's first choice leads (ties go to the lower id, as in the engine).
  const ranked = probs.map((p, e) => ({ e, p })).sort((a, b) => b.p - a.p || a.e - b.e);
  if (ranked[0].e !== first) throw new Refused('the trace and the probabilities disagree on the first choice');
  const values: Record<string, string> = {
    domain: token.domain,
    layer: String(layer),
    context: shown(token.pieces.slice(0, -1).join('')),
    piece: shown(token.pieces[token.pieces.length - 1]),
    expert: String(first),
    p1: percent(ranked[0].p),
    second_expert: String(ranked[1].e),
    p2: percent(ranked[1].p),
    experts: String(E),
    ids: Array.from(token.ids).join(','), // what the model read, for checking the answer elsewhere
  };
  const picks: [GeneratedOption['role'], { e: number; p: number }][] = [
    ['correct', ranked[0]],
    ['second', ranked[1]],
    ['third', ranked[2]],
    ['last', ranked[ranked.length - 1]],
  ];
  const options: GeneratedOption[] = [];
  const seen = new Set<number>();
  for (const [role, { e, p }] of picks) {
    if (seen.has(e)) continue;
    seen.add(e);
    const own = { ...values, option_expert: String(e), option_prob: percent(p) };
    options.push({ role, value: e, html: `expert ${e}`, correct: role === 'correct', feedbackHtml: fill(q.feedbackHtml[role] ?? '', own) });
  }
  return { questionHtml: fill(q.questionHtml, values), options, values };
}

/** Base losses per model and token budget, computed once per page. */
const baselines = new Map<string, Promise<Result<LmEvaluation>>>();

async function knockoutQuestion(q: ModelQuestion, spec: Extract<ModelSpec, { kind: 'lm-knockout' }>, info: LmInfo, random: () => number, ctx: ModelQuestionContext): Promise<GeneratedQuestion> {
  const texts = await unwrap(ctx.heldout());
  const experts = spec.experts.filter((e) => e < info.num_local_experts);
  if (!experts.length) throw new Refused(`experts: the model has ${info.num_local_experts} experts`);
  const key = `${info.id}:${spec.max_tokens}`;
  if (!baselines.has(key)) baselines.set(key, Promise.resolve(ctx.lmEval(info.id, texts, { max_tokens: spec.max_tokens })));
  const base = await unwrap(baselines.get(key)!);
  // An expert whose largest rise is not clearly ahead would make two options right: draw again.
  for (let attempt = 0; attempt < 4; attempt++) {
    const expert = pick(experts, random);
    const after = await unwrap(ctx.lmEval(info.id, texts, { max_tokens: spec.max_tokens, experts_off: [expert] }));
    const rows = lossRows(after, base).sort((a, b) => b.diff - a.diff);
    if (rows.length < 2 || rows[0].diff - rows[1].diff < 1e-3) continue;
    const values: Record<string, string> = {
      expert: String(expert),
      tokens: spec.max_tokens.toLocaleString('en'),
      domain: rows[0].name,
      rise: rows[0].diff.toFixed(3),
    };
    const roles = ['correct', 'middle', 'least'] as const;
    const options: GeneratedOption[] = rows.slice(0, 3).map((r, i) => {
      const role = i === rows.length - 1 && i > 0 ? 'least' : roles[i];
      const own = { ...values, option_domain: r.name, option_rise: `${r.diff < 0 ? '−' : '+'}${Math.abs(r.diff).toFixed(3)}`, option_before: r.b.toFixed(3), option_after: r.a.toFixed(3) };
      return { role, value: r.diff, html: escapeHtml(r.name), correct: i === 0, feedbackHtml: fill(q.feedbackHtml[role] ?? '', own) };
    });
    return { questionHtml: fill(q.questionHtml, values), options, values };
  }
  throw new Refused('no expert gave a clear largest rise in four draws');
}

/** Draws one instance of a model question and asks the engine for its answer and options. */
export async function generateModelQuestion(q: ModelQuestion, random: () => number, ctx: ModelQuestionContext): Promise<Result<GeneratedQuestion>> {
  try {
    const info = await ctx.model(q.spec.folder);
    if (!info.ok) return { ok: false, error: `The language model could not be loaded, so this question cannot be asked: ${info.error}` };
    const value = q.spec.kind === 'lm-route' ? await routeQuestion(q, q.spec, info.value, random, ctx) : await knockoutQuestion(q, q.spec, info.value, random, ctx);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: `question "${q.id}": ${err instanceof Error ? err.message : String(err)}` };
  }
}
