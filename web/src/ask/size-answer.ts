// Answers a recognised size question with the engine's own calculator, and says which formula the
// engine used. Nothing here computes MoE quantities: the numbers come from the engine facade and
// are only formatted; when the engine cannot answer, the answer says why instead of working the
// number out in TypeScript.
import type { Engine } from '../engine';
import { compact } from '../widgets/common/numbers';
import { percent } from '../widgets/format';
import type { ActiveQuestion, CapacityQuestion, SizeQuestion } from './size-questions';

/** What the size answer needs from the engine facade: the cost solver, and routing (for capacity). */
export type SizeEngine = Pick<Engine, 'solveActive' | 'forward'>;

export interface SizeInput {
  symbol: string;
  label: string;
  value: string;
}

export interface SizeAnswer {
  kind: 'size';
  question: string;
  truncated: boolean;
  title: string;
  /** The formula the engine evaluates, as readable text. */
  formula: string;
  inputs: SizeInput[];
  /** The engine's result, formatted: the headline and the lines under it. */
  result?: { headline: string; lines: string[] };
  /** Why there is no number: a missing input, an engine error, a missing calculator. */
  problem?: string;
  note?: string;
  /** Where the course teaches this, with a widget to try more values ("" when the quotes do that). */
  learnHref: string;
  learnLabel: string;
}

const activeFormula = 'active = s·T + (k / E)·(1 − s)·T';
// As the engine states them (engine/include/moe/routing/route_tokens.hpp): Switch for top-1, GShard for top-k.
const capacityFormulaTop1 = 'C = ⌊capacity factor · tokens / E⌋  (Switch, top-1)';
const capacityFormulaTopK = 'C = ⌊capacity factor · k · tokens / E⌋  (GShard, top-k)';

const missingWords: Record<string, string> = {
  experts: 'the number of experts (E)',
  'top-k': 'how many experts each token uses (top-k)',
  total: 'the total size (T), such as 1T or 400B',
  'capacity factor': 'the capacity factor',
  tokens: 'the number of tokens',
};

/** compact() without padding zeros: 1e12 → "1T", 1.5e12 → "1.5T", 125e9 → "125B". Formatting only. */
export const sizeText = (n: number) => compact(n).replace(/\.0+(?=\D*$)/, '').replace(/(\.\d*?[1-9])0+(?=\D*$)/, '$1');

const listOf = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

async function answerActive(q: ActiveQuestion, engine: SizeEngine, base: Pick<SizeAnswer, 'question' | 'truncated'>): Promise<SizeAnswer> {
  const inputs: SizeInput[] = [];
  if (q.total !== undefined) inputs.push({ symbol: 'T', label: 'total parameters', value: sizeText(q.total) });
  if (q.experts !== undefined) inputs.push({ symbol: 'E', label: 'experts', value: String(q.experts) });
  if (q.topK !== undefined) inputs.push({ symbol: 'k', label: 'experts per token', value: String(q.topK) });
  inputs.push({ symbol: 's', label: q.sharedGiven ? 'share outside the experts' : 'share outside the experts (not given, so 0)', value: percent(q.shared) });
  const answer: SizeAnswer = {
    kind: 'size',
    ...base,
    title: 'Active parameters, from the engine',
    formula: activeFormula,
    inputs,
    learnHref: '#/lesson/dense-cost/solve',
    learnLabel: 'From a headline size to the active size',
  };
  if (q.missing.length > 0 || q.total === undefined || q.experts === undefined || q.topK === undefined) {
    return { ...answer, problem: `To work this out the engine also needs ${listOf(q.missing.map((m) => missingWords[m]))}.` };
  }
  const r = await engine.solveActive(q.total, q.shared, q.experts, q.topK);
  if (!r.ok) return { ...answer, problem: `The engine could not answer: ${r.error}` };
  const v = r.value;
  return {
    ...answer,
    result: {
      headline: `About ${sizeText(v.active_params)} active parameters per token`,
      lines: [
        `${percent(v.active_fraction)} of the ${sizeText(v.total_params)} stored.`,
        `Experts hold ${sizeText(v.expert_params)}; shared weights ${sizeText(v.shared_params)}.`,
      ],
    },
    note: q.sharedGiven ? undefined : 'This assumes every parameter lives in an expert. Add a shared share ("10% shared") for attention and embeddings, which every token uses.',
  };
}

/** Largest batch the box routes to read a capacity: tokens, and tokens × experts (trace size). */
export const CAPACITY_LIMITS = { tokens: 65_536, cells: 1 << 20 };

/**
 * The engine has no stand-alone capacity call; it sets capacity while routing (capacity_per_group,
 * engine/include/moe/routing/route_tokens.hpp) and reports it in the trace. So the box routes one group of
 * `tokens` placeholder tokens through a one-wide layer of the right kind and reads `trace.capacity`:
 * the number is the engine's, and only the capacity is shown (which tokens drop depends on real
 * tokens, so it is not).
 */
async function answerCapacity(q: CapacityQuestion, engine: SizeEngine, base: Pick<SizeAnswer, 'question' | 'truncated'>): Promise<SizeAnswer> {
  const topOne = q.topK === 1;
  const inputs: SizeInput[] = [];
  if (q.factor !== undefined) inputs.push({ symbol: 'capacity factor', label: '', value: String(q.factor) });
  if (q.tokens !== undefined) inputs.push({ symbol: 'tokens', label: 'in the batch (one group)', value: String(q.tokens) });
  if (q.experts !== undefined) inputs.push({ symbol: 'E', label: 'experts', value: String(q.experts) });
  inputs.push({ symbol: 'k', label: q.topKGiven ? 'experts per token' : 'experts per token (not given, so 1)', value: String(q.topK) });
  const answer: SizeAnswer = {
    kind: 'size',
    ...base,
    title: 'Expert capacity, from the engine',
    formula: topOne ? capacityFormulaTop1 : capacityFormulaTopK,
    inputs,
    note: 'Capacity is how many tokens one expert accepts from each group (batch); tokens routed to a full expert are dropped.',
    // Where the course explains capacity comes from the search (the quotes shown with this answer).
    learnHref: '',
    learnLabel: '',
  };
  if (q.factor === undefined || q.tokens === undefined || q.experts === undefined) {
    return { ...answer, problem: `To work this out the engine also needs ${listOf(q.missing.map((m) => missingWords[m]))}.` };
  }
  if (!Number.isInteger(q.tokens) || q.tokens < 1) return { ...answer, problem: 'The number of tokens must be a whole number of at least 1.' };
  if (q.tokens > CAPACITY_LIMITS.tokens || q.tokens * q.experts > CAPACITY_LIMITS.cells) {
    return {
      ...answer,
      problem: `The engine reads capacity by routing one batch, and this box routes at most ${CAPACITY_LIMITS.tokens.toLocaleString('en')} tokens (and tokens × experts up to ${CAPACITY_LIMITS.cells.toLocaleString('en')}). Try a smaller batch: capacity per group depends only on the group's size.`,
    };
  }
  const r = await engine.forward(
    {
      config: {
        d_model: 1,
        d_ff: 1,
        num_experts: q.experts,
        top_k: q.topK,
        router_kind: topOne ? 'softmax_top1_capacity' : 'topk_capacity',
        capacity_factor: q.factor,
        activation: 'relu',
        expert_kind: 'mlp',
      },
      seed: 1,
    },
    new Float32Array(q.tokens),
    q.tokens,
  );
  if (!r.ok) return { ...answer, problem: `The engine could not answer: ${r.error}` };
  const c = r.value.capacity;
  if (!(c >= 0)) return { ...answer, problem: 'The engine routed the batch but reported no capacity for it.' };
  return {
    ...answer,
    result: {
      headline: `Each expert takes at most ${c.toLocaleString('en')} token${c === 1 ? '' : 's'} per group`,
      lines: [`Read from the engine's routing trace for one group of ${q.tokens.toLocaleString('en')} tokens.`],
    },
  };
}

/** The engine's answer to a recognised size question. Never rejects. */
export async function answerSize(q: SizeQuestion, engine: SizeEngine, question: string, truncated: boolean): Promise<SizeAnswer> {
  const base = { question, truncated };
  try {
    return q.kind === 'active' ? await answerActive(q, engine, base) : await answerCapacity(q, engine, base);
  } catch (err) {
    return {
      kind: 'size',
      ...base,
      title: q.kind === 'active' ? 'Active parameters, from the engine' : 'Expert capacity, from the engine',
      formula: q.kind === 'active' ? activeFormula : q.topK === 1 ? capacityFormulaTop1 : capacityFormulaTopK,
      inputs: [],
      problem: `The engine could not answer: ${err instanceof Error ? err.message : String(err)}`,
      learnHref: '#/lesson/dense-cost/solve',
      learnLabel: 'From a headline size to the active size',
    };
  }
}
