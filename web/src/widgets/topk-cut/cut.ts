// The engine work behind topk-cut: one layer, two router kinds, every token of
// the sentence (plus a typed word) in one batch. Numbers come from the traces;
// this file only arranges inputs and reads them out.
import type { Embedding, Engine, LayerSpec, Result, RouterKind, Trace } from '../../engine';
import { embedText } from '../token-walk/walk';
import type { TopkCutParams } from './params';

export interface CutLayer {
  experts: number; // E
  k: number;
}

/** The layer with the given router kind. Raw gates: softmax_topk with norm_topk_prob false (Switch, Qwen2-MoE). */
export function cutSpec(params: TopkCutParams, layer: CutLayer, kind: RouterKind): LayerSpec {
  return {
    config: {
      d_model: params.router[0].length,
      d_ff: params.d_ff,
      num_experts: layer.experts,
      top_k: layer.k,
      router_kind: kind,
      ...(kind === 'softmax_topk' ? { norm_topk_prob: false } : {}),
      activation: params.activation,
      expert_kind: 'mlp',
    },
    // The 4-expert layer uses the designed router rows; the 8-expert one is seeded throughout.
    ...(layer.experts === 4 ? { weights: { router: params.router } } : {}),
    seed: params.seed,
  };
}

export interface CutRun {
  tokens: string[]; // [T]: the sentence's tokens, then the typed word if any
  /** Row of the followed token in the batch. */
  row: number;
  renorm: Trace; // softmax_topk_renorm
  raw: Trace; // softmax_topk, norm_topk_prob false
}

export interface TokenCut {
  probs: number[]; // [E] router probabilities (identical in both traces)
  kept: number[]; // [k] expert ids, highest probability first
  renormGates: number[]; // [k]
  rawGates: number[]; // [k] = the kept probabilities themselves
  /** Probability the cut keeps: the sum of the raw gates. */
  keptMass: number;
}

/** One token's row of both traces. */
export function tokenCut(run: CutRun, t: number): TokenCut {
  const { num_experts: E, top_k: k } = run.renorm;
  const rawGates = Array.from(run.raw.topk_weights.slice(t * k, (t + 1) * k));
  return {
    probs: Array.from(run.renorm.router_probs.slice(t * E, (t + 1) * E)),
    kept: Array.from(run.renorm.topk_ids.slice(t * k, (t + 1) * k)),
    renormGates: Array.from(run.renorm.topk_weights.slice(t * k, (t + 1) * k)),
    rawGates,
    keptMass: rawGates.reduce((a, b) => a + b, 0),
  };
}

/** The followed token: a typed word, else the sentence token at `index` (the first one if none is chosen). */
export async function runCut(
  engine: Engine,
  params: TopkCutParams,
  layer: CutLayer,
  follow: { index: number; word: string },
): Promise<Result<CutRun>> {
  const sentence = await embedText(engine, params.sentence);
  if (!sentence.ok) return sentence;
  let batch: Embedding = sentence.value;
  let row = follow.index >= 0 && follow.index < batch.tokens.length ? follow.index : 0;
  if (follow.word) {
    const typed = await embedText(engine, follow.word);
    if (!typed.ok) return typed;
    if (typed.value.tokens.length !== 1) return { ok: false, error: `“${follow.word}” is more than one token; type a single word` };
    const features = new Float32Array(batch.features.length + typed.value.features.length);
    features.set(batch.features);
    features.set(typed.value.features, batch.features.length);
    batch = { tokens: [...batch.tokens, typed.value.tokens[0]], feature_names: batch.feature_names, features };
    row = batch.tokens.length - 1;
  }
  const T = batch.tokens.length;
  const [renorm, raw] = await Promise.all([
    engine.forward(cutSpec(params, layer, 'softmax_topk_renorm'), batch.features, T),
    engine.forward(cutSpec(params, layer, 'softmax_topk'), batch.features, T),
  ]);
  if (!renorm.ok) return renorm;
  if (!raw.ok) return raw;
  return { ok: true, value: { tokens: batch.tokens, row, renorm: renorm.value, raw: raw.value } };
}

/** Discarded share over the sentence's own tokens (a typed word is left out): mean, min, max. */
export function sentenceDiscard(run: CutRun, sentenceTokens: number): { mean: number; min: number; max: number } {
  const lost = Array.from({ length: sentenceTokens }, (_, t) => 1 - tokenCut(run, t).keptMass);
  return { mean: lost.reduce((a, b) => a + b, 0) / lost.length, min: Math.min(...lost), max: Math.max(...lost) };
}
