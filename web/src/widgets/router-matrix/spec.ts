// Parameters and URL state of the router-matrix widget: the router as one matrix-vector product,
// ℓ = W_g · x, then softmax, with every weight of W_g adjustable by the learner.
import * as z from 'zod';
import { int, ints, text } from '../../player/url-state';

export const FEATURES = 8;
/** Weights travel in the URL as whole hundredths: 1.25 → 125. */
export const WEIGHT_SCALE = 100;
export const WEIGHT_LIMIT = 5;

export const routerMatrixParams = z
  .object({
    experts: z.array(z.string().trim().min(1)).min(2).max(8),
    /** The starting W_g, one row per expert, one weight per embedding feature. */
    router: z.array(z.array(z.number().min(-WEIGHT_LIMIT).max(WEIGHT_LIMIT)).length(FEATURES)),
    words: z.array(z.string().trim().min(1)).min(1).max(12),
    top_k: z.number().int().min(1).default(2),
    seed: z.number().int().min(0).default(1),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.router.length !== p.experts.length) {
      ctx.addIssue({ code: 'custom', path: ['router'], message: `needs one row per expert (${p.experts.length}), found ${p.router.length}` });
    }
    if (p.top_k > p.experts.length) {
      ctx.addIssue({ code: 'custom', path: ['top_k'], message: `must be at most the number of experts (${p.experts.length})` });
    }
  });
export type RouterMatrixParams = z.infer<typeof routerMatrixParams>;

const limit = WEIGHT_LIMIT * WEIGHT_SCALE;
export const routerMatrixState = {
  rm_word: text('', 40),
  /** The learner's W_g as hundredths, row-major [E·8]; empty means the lesson's matrix. */
  rm_w: ints([], -limit, limit, 64),
  /** The weight being edited, row-major index into W_g. */
  rm_cell: int(0, 0, 63),
};

/** The matrix to use: the learner's if it has the right size, else the lesson's. */
export function routerWeights(params: RouterMatrixParams, stored: number[]): number[][] {
  const E = params.router.length;
  if (stored.length !== E * FEATURES) return params.router.map((row) => [...row]);
  return params.router.map((_, e) => stored.slice(e * FEATURES, (e + 1) * FEATURES).map((w) => w / WEIGHT_SCALE));
}

/** The matrix as URL hundredths. */
export function storeWeights(weights: number[][]): number[] {
  return weights.flat().map((w) => Math.round(w * WEIGHT_SCALE));
}
