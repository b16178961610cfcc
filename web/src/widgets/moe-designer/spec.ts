// URL state of the moe-designer widget: the learner designs a
// small MoE layer (task, E, k, expert names, one router row per expert over the
// engine's 8 interpretable features), predicts where probe tokens land, and
// the engine checks every prediction. Plain data and encoding only: routing is
// the engine's.
import { flag, int, ints, text } from '../../player/url-state';
import type { MoeDesignerParams } from './params';

/** The engine's embedding has 8 named features: digit, punct, capital, length, vowels, position, function_word, bias. */
export const FEATURES = 8;
export const MIN_EXPERTS = 2;
export const MAX_EXPERTS = 8;
export const MAX_PROBES = 6;
/** Weights travel in the URL as whole hundredths: 1.25 → 125. */
export const WEIGHT_SCALE = 100;
export const WEIGHT_LIMIT = 5;
export const NAME_MAX = 16;

/** Starting router rows, one weight per feature, in the order above. */
export const presets = {
  numbers: { label: 'likes numbers', row: [3, -0.5, -0.5, 0.3, -0.5, 0, -0.5, -0.5] },
  punctuation: { label: 'likes punctuation', row: [-0.5, 3, -0.5, -1, -0.5, 0, 0.3, -0.3] },
  capitals: { label: 'likes capitalised words', row: [-0.5, -0.5, 2.5, 0.5, 0.5, -0.3, -1.5, -0.5] },
  long: { label: 'likes long words', row: [0, -0.5, -0.5, 3, 0.5, 0, -0.5, -1] },
  function: { label: 'likes function words', row: [-0.5, -0.5, -1, -1, 0, 0, 3, 0] },
  neutral: { label: 'neutral', row: [0, 0, 0, 0, 0, 0, 0, 0] },
} as const;
export type PresetName = keyof typeof presets;
export const presetNames = Object.keys(presets) as PresetName[];

const limit = WEIGHT_LIMIT * WEIGHT_SCALE;
/** Compact on purpose: the whole design fits a link (about 250 characters for 4 experts). */
export const moeDesignerState = {
  /** Task index into params.tasks; -1 = the learner's own text. */
  dz_t: int(0, -1, 5),
  dz_x: text('', 160),
  /** Experts and k; 0 = the lesson's. */
  dz_e: int(0, 0, MAX_EXPERTS),
  dz_k: int(0, 0, MAX_EXPERTS - 1),
  /** Expert names joined by "|"; empty = the lesson's. */
  dz_n: text('', MAX_EXPERTS * (NAME_MAX + 1)),
  /** Router rows as hundredths, row-major [E·8]; empty = the lesson's presets. */
  dz_w: ints([], -limit, limit, MAX_EXPERTS * FEATURES),
  /** One bitmask of predicted experts per probe token (bit e = expert e). */
  dz_p: ints([], 0, 255, MAX_PROBES),
  /** Whether the engine has checked the predictions. */
  dz_c: flag(false),
};
export type DesignerState = { dz_t: number; dz_x: string; dz_e: number; dz_k: number; dz_n: string; dz_w: number[]; dz_p: number[]; dz_c: boolean };

export interface Design {
  experts: number;
  topK: number;
  names: string[];
  /** [E][8] */
  router: number[][];
}

const defaultName = (e: number) => `Expert ${e + 1}`;

/** The design the state describes, falling back to the lesson's where a field is unset or does not fit. */
export function designOf(params: MoeDesignerParams, st: DesignerState): Design {
  const E = st.dz_e >= MIN_EXPERTS ? st.dz_e : params.experts.length;
  const topK = st.dz_k >= 1 && st.dz_k < E ? st.dz_k : Math.min(params.top_k, E - 1);
  const stored = st.dz_n ? st.dz_n.split('|') : [];
  const names = Array.from({ length: E }, (_, e) => (stored[e]?.trim() || params.experts[e]) ?? defaultName(e));
  const fromPresets = Array.from({ length: E }, (_, e) => [...presets[params.start[e] ?? 'neutral'].row]);
  const router =
    st.dz_w.length === E * FEATURES
      ? Array.from({ length: E }, (_, e) => st.dz_w.slice(e * FEATURES, (e + 1) * FEATURES).map((w) => w / WEIGHT_SCALE))
      : fromPresets;
  return { experts: E, topK, names: names.map((n) => n || '?'), router };
}

/** A design as state fields. */
export function storeDesign(d: Design): Pick<DesignerState, 'dz_e' | 'dz_k' | 'dz_n' | 'dz_w'> {
  return {
    dz_e: d.experts,
    dz_k: d.topK,
    dz_n: d.names.map((n) => n.replace(/\|/g, '/').slice(0, NAME_MAX)).join('|'),
    dz_w: d.router.flat().map((w) => Math.round(Math.max(-WEIGHT_LIMIT, Math.min(WEIGHT_LIMIT, w)) * WEIGHT_SCALE)),
  };
}

/** Bitmask ↔ expert list, for predictions. */
export const maskOf = (experts: number[]) => experts.reduce((m, e) => m | (1 << e), 0);
export const expertsOf = (mask: number, E: number) => Array.from({ length: E }, (_, e) => e).filter((e) => mask & (1 << e));

/** Probe token indices: the task's probe words where found, or the first distinct tokens of the learner's text. */
export function probeIndices(tokens: string[], probes: string[] | null): number[] {
  if (probes) {
    const out: number[] = [];
    for (const p of probes) {
      const i = tokens.indexOf(p);
      if (i >= 0 && !out.includes(i)) out.push(i);
    }
    return out.slice(0, MAX_PROBES);
  }
  const seen = new Set<string>();
  const out: number[] = [];
  tokens.forEach((t, i) => {
    if (!seen.has(t) && out.length < MAX_PROBES) {
      seen.add(t);
      out.push(i);
    }
  });
  return out;
}

/** The layer the engine runs for a design: softmax, top-k, renormalised gates; seeded experts. */
export function designSpec(d: Design, seed: number, topK = d.topK) {
  return {
    config: {
      d_model: FEATURES,
      d_ff: 8,
      num_experts: d.experts,
      top_k: topK,
      router_kind: 'softmax_topk_renorm' as const,
      activation: 'silu' as const,
      expert_kind: 'mlp' as const,
    },
    weights: { router: d.router },
    seed,
  };
}
