// URL state of own-data-bench: pasted text routed by the engine, its routing
// statistics and the engine's cost estimate for a served model of a stated shape.
import { int, text } from '../../player/url-state';

/** Longest text the box takes (the engine's own cap is 64 KiB / 4096 tokens). */
export const BENCH_MAX_CHARS = 1500;

export const ownDataState = {
  /** The learner's text; empty means the lesson's sample. */
  ob_text: text('', BENCH_MAX_CHARS),
  /** Index into CAPACITY_FACTORS (default 1.25). */
  ob_cf: int(3, 0, 6),
};

/** The served model the cost line describes (Mixtral-8x7B-like: 32 layers, 8 experts, top-2, SwiGLU). */
export const SERVED_MODEL = { d_model: 4096, d_ff: 14336, num_experts: 8, top_k: 2, layers: 32, shared_params: 1.6e9, expert_kind: 'swiglu' } as const;
