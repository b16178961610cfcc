// URL state of the router-matrix widget: the router as one matrix-vector product,
// ℓ = W_g · x, then softmax, with every weight of W_g adjustable by the learner.
import { int, ints, text } from '../../player/url-state';
import type { RouterMatrixParams } from './params';

export const FEATURES = 8;
/** Weights travel in the URL as whole hundredths: 1.25 → 125. */
export const WEIGHT_SCALE = 100;
export const WEIGHT_LIMIT = 5;

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
