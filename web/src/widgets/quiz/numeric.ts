// Numeric quiz questions: the numbers are drawn fresh for each attempt and the
// engine computes the answer and every wrong option (each wrong option is the
// engine's answer to a typical mistake: a dense reading, the wrong k, …).
// Nothing here does parameter arithmetic; it draws, asks, formats and dedupes.
import type { ActiveSolve, CostConfig, CostReport, Result } from '../../engine/types';
import type { ModelRole, NumericRole, NumericSpec, QuizOption, QuizQuestion } from '../../lessons/quiz';
import { compactWords } from '../common/numbers';
import { pick } from './rng';

/** What numeric questions need from the engine: EngineCore (sync) or the worker client (async). */
export interface NumericEngine {
  solveActive(totalParams: number, sharedFraction: number, numExperts: number, topK: number): Result<ActiveSolve> | Promise<Result<ActiveSolve>>;
  cost(config: CostConfig): Result<CostReport> | Promise<Result<CostReport>>;
  expertCapacity(capacityFactor: number, tokens: number, numExperts: number, topK: number): Result<number> | Promise<Result<number>>;
}

export interface GeneratedOption extends QuizOption {
  role: NumericRole | ModelRole;
  value: number;
}

export interface GeneratedQuestion {
  questionHtml: string;
  options: GeneratedOption[];
  /** The drawn numbers, as shown. */
  values: Record<string, string>;
}

type Numeric = Extract<QuizQuestion, { kind: 'numeric' }>;

function fill(html: string, values: Record<string, string>): string {
  return html.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** E from the pool, then k below it; `wrong_k` is 1 for k > 1, else 2 (if below E). */
function drawExpertsAndK(spec: { experts: number[]; top_k: number[] }, random: () => number) {
  const experts = pick(
    spec.experts.filter((e) => spec.top_k.some((k) => k < e)),
    random,
  );
  const k = pick(
    spec.top_k.filter((v) => v < experts),
    random,
  );
  const wrongK = k > 1 ? 1 : Math.min(2, experts);
  return { experts, k, wrongK };
}

async function unwrap<T>(r: Result<T> | Promise<Result<T>>): Promise<T> {
  const result = await r;
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** Draws one instance of a numeric question and asks the engine for its answers. */
export async function generateNumeric(question: Numeric, random: () => number, engine: NumericEngine): Promise<Result<GeneratedQuestion>> {
  try {
    const spec: NumericSpec = question.generate;
    const values: Record<string, string> = {};
    const answers: [NumericRole, number][] = [];
    if (spec.kind === 'active-from-total') {
      const { experts, k, wrongK } = drawExpertsAndK(spec, random);
      const total = pick(spec.total_billions, random) * 1e9;
      const sharedPercent = pick(spec.shared_percent, random);
      const s = sharedPercent / 100;
      Object.assign(values, {
        experts: String(experts),
        k: String(k),
        wrong_k: String(wrongK),
        idle: String(experts - k),
        total: compactWords(total),
        total_params: String(total),
        shared: sharedPercent === 0 ? 'None' : `${sharedPercent}%`,
      });
      answers.push(['correct', (await unwrap(engine.solveActive(total, s, experts, k))).active_params]);
      answers.push(['total', total]);
      answers.push(['wrong_k', (await unwrap(engine.solveActive(total, s, experts, wrongK))).active_params]);
      answers.push(['idle', (await unwrap(engine.solveActive(total, s, experts, experts - k))).active_params]);
    } else if (spec.kind === 'capacity') {
      const { experts, k, wrongK } = drawExpertsAndK(spec, random);
      const tokens = pick(spec.tokens, random);
      const factor = pick(spec.capacity_factor, random);
      Object.assign(values, { experts: String(experts), k: String(k), wrong_k: String(wrongK), tokens: String(tokens), factor: String(factor) });
      answers.push(['correct', await unwrap(engine.expertCapacity(factor, tokens, experts, k))]);
      answers.push(['no_factor', await unwrap(engine.expertCapacity(1, tokens, experts, k))]);
      answers.push(['wrong_k', await unwrap(engine.expertCapacity(factor, tokens, experts, wrongK))]);
      answers.push(['tokens', tokens]);
    } else {
      const { experts, k, wrongK } = drawExpertsAndK(spec, random);
      const shape = { d_model: pick(spec.d_model, random), d_ff: pick(spec.d_ff, random), layers: pick(spec.layers, random) };
      Object.assign(values, {
        experts: String(experts),
        k: String(k),
        wrong_k: String(wrongK),
        d_model: String(shape.d_model),
        d_ff: String(shape.d_ff),
        layers: String(shape.layers),
      });
      const config: CostConfig = { ...shape, num_experts: experts, top_k: k, expert_kind: 'mlp' };
      const right = await unwrap(engine.cost(config));
      answers.push(['correct', right.active_params]);
      answers.push(['total', right.total_params]);
      answers.push(['wrong_k', (await unwrap(engine.cost({ ...config, top_k: wrongK }))).active_params]);
      answers.push(['one_layer', (await unwrap(engine.cost({ ...config, layers: 1 }))).active_params]);
    }
    // Options that would read the same as an earlier one (the correct one first) are dropped.
    const shown = new Set<string>();
    const options: GeneratedOption[] = [];
    for (const [role, value] of answers) {
      const html = spec.kind === 'capacity' ? `${value} per expert` : `about ${compactWords(value)}`;
      if (shown.has(html)) continue;
      shown.add(html);
      options.push({ role, value, html, correct: role === 'correct', feedbackHtml: fill(question.feedbackHtml[role] ?? '', values) });
    }
    return { ok: true, value: { questionHtml: fill(question.questionHtml, values), options, values } };
  } catch (err) {
    return { ok: false, error: `question "${question.id}": ${err instanceof Error ? err.message : String(err)}` };
  }
}
