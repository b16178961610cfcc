// The engine work behind the token-walk widget, and the words that explain a
// prediction. Every number comes from an engine call; this file only arranges
// inputs and reads traces.
import type { Embedding, Engine, LayerSpec, Result, Trace } from '../../engine';
import { fmt, featureLabel, possessive } from '../format';
import type { TokenWalkParams } from './params';

export interface WalkToken {
  text: string;
  features: Float32Array; // [F]
}

export interface WalkRun {
  token: string;
  featureNames: string[]; // [F]
  features: Float32Array; // [F]
  trace: Trace; // one token: router_logits [1,E], router_probs [1,E], topk_ids [1,k], …
  /** Router weight × feature value, [F, E]: the terms that sum to each logit. */
  contributions: Float32Array;
}

export function layerSpec(params: TokenWalkParams): LayerSpec {
  return {
    config: {
      d_model: params.router[0]?.length ?? 0,
      d_ff: params.d_ff,
      num_experts: params.experts.length,
      top_k: params.top_k,
      router_kind: 'softmax_topk_renorm',
      activation: params.activation,
      expert_kind: 'mlp',
    },
    weights: { router: params.router },
    seed: params.seed,
  };
}

// Several placements of the widget ask for the same numbers; ask the engine once.
const cache = new WeakMap<Engine, Map<string, Promise<Result<unknown>>>>();

function remembered<T>(engine: Engine, key: string, ask: () => Promise<Result<T>>): Promise<Result<T>> {
  let table = cache.get(engine);
  if (!table) cache.set(engine, (table = new Map()));
  const known = table.get(key);
  if (known) return known as Promise<Result<T>>;
  const promise = ask();
  table.set(key, promise);
  // Errors (e.g. a restarted worker) must not stick.
  promise.then((r) => r.ok || table.delete(key));
  if (table.size > 64) table.delete(table.keys().next().value!);
  return promise;
}

export function embedText(engine: Engine, text: string): Promise<Result<Embedding>> {
  return remembered(engine, `embed:${text}`, () => engine.embed(text));
}

export function tokenAt(embedding: Embedding, index: number): WalkToken | null {
  if (index < 0 || index >= embedding.tokens.length) return null;
  const F = embedding.feature_names.length;
  return { text: embedding.tokens[index], features: embedding.features.slice(index * F, (index + 1) * F) };
}

/**
 * Runs the layer on one token. The per-feature terms of each logit also come
 * from the engine: row f of the second batch keeps only feature f of the
 * token (the rest zero), so its router logits are exactly W[e,f]·x[f].
 */
export async function runWalk(
  engine: Engine,
  params: TokenWalkParams,
  token: WalkToken,
  featureNames: string[],
): Promise<Result<WalkRun>> {
  const spec = layerSpec(params);
  const F = token.features.length;
  if (F !== spec.config.d_model) {
    return { ok: false, error: `token-walk: the embedding has ${F} features but the router rows have ${spec.config.d_model}` };
  }
  const oneFeatureEach = new Float32Array(F * F);
  for (let f = 0; f < F; f++) oneFeatureEach[f * F + f] = token.features[f];

  const key = JSON.stringify([spec, Array.from(token.features)]);
  const [whole, parts] = await Promise.all([
    remembered(engine, `forward:${key}`, () => engine.forward(spec, token.features, 1)),
    remembered(engine, `terms:${key}`, () => engine.forward(spec, oneFeatureEach, F)),
  ]);
  if (!whole.ok) return whole;
  if (!parts.ok) return parts;
  return {
    ok: true,
    value: { token: token.text, featureNames, features: token.features, trace: whole.value, contributions: parts.value.router_logits },
  };
}

export const chosenExperts = (run: WalkRun): number[] => Array.from(run.trace.topk_ids);

export interface Verdict {
  correct: boolean;
  /** Plain sentences built from the trace's numbers. */
  lines: string[];
}

/** Judges a top-k prediction against the trace and explains a miss with the actual logits. */
export function judgePrediction(run: WalkRun, picked: number[], names: string[]): Verdict {
  const chosen = chosenExperts(run);
  const logits = run.trace.router_logits;
  const E = run.trace.num_experts;
  const right = picked.filter((e) => chosen.includes(e));
  const wrong = picked.filter((e) => !chosen.includes(e));
  const missed = chosen.filter((e) => !picked.includes(e));
  const logitOf = (e: number) => `${possessive(names[e])} logit ${fmt(logits[e])}`;

  if (wrong.length === 0 && missed.length === 0) {
    return {
      correct: true,
      lines: [`Right: ${names[chosen[0]]} (${fmt(logits[chosen[0]])}) and ${names[chosen[1]] ?? ''} (${fmt(logits[chosen[1]] ?? 0)}) have the two largest logits, so the router sends “${run.token}” to them.`],
    };
  }
  const lines: string[] = [];
  if (right.length > 0) lines.push(`${right.map((e) => names[e]).join(' and ')}: right, it is in the top ${chosen.length}.`);
  wrong.forEach((p, i) => {
    const w = missed[i] ?? missed[0];
    const reason = biggestGap(run, w, p, E);
    const comparison =
      logits[p] === logits[w]
        ? `ties with ${names[w]} at ${fmt(logits[w])} and loses the tie to the lower-numbered expert`
        : `is below ${logitOf(w)}`;
    lines.push(
      `You picked ${names[p]}, but its logit ${fmt(logits[p])} ${comparison}` +
        (reason
          ? `: this token's ${featureLabel(run.featureNames[reason.feature])} feature (${fmt(run.features[reason.feature])}) adds ${fmt(reason.winnerTerm)} to ${names[w]} but ${fmt(reason.pickedTerm)} to ${names[p]}.`
          : '.'),
    );
  });
  return { correct: false, lines };
}

/** The feature whose logit term favours `winner` over `picked` the most. */
function biggestGap(run: WalkRun, winner: number, picked: number, E: number) {
  let best: { feature: number; winnerTerm: number; pickedTerm: number } | null = null;
  let bestGap = 0;
  for (let f = 0; f < run.features.length; f++) {
    const winnerTerm = run.contributions[f * E + winner];
    const pickedTerm = run.contributions[f * E + picked];
    if (winnerTerm - pickedTerm > bestGap) {
      bestGap = winnerTerm - pickedTerm;
      best = { feature: f, winnerTerm, pickedTerm };
    }
  }
  return best;
}
