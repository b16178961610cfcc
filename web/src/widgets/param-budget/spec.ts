// URL state of the param-budget widget: total versus active parameters of an MoE
// stack (engine `layer_cost`), the "how many are active out of N billion" solver (engine
// `solve_active_from_total`), and a dense-versus-MoE timing measured in the learner's browser.
import { flag, int } from '../../player/url-state';

export const budgetParts = ['budget', 'solve', 'timing'] as const;

// Defaults: Mixtral 8x7B's shape, so the first numbers a learner sees are a real model's.
export const paramBudgetState = {
  pb_e: int(8, 1, 1024),
  pb_k: int(2, 1, 1024),
  pb_d: int(4096, 1, 65536),
  pb_ff: int(14336, 1, 65536),
  pb_layers: int(32, 1, 4096),
  /** Shared (non-expert) parameters, in millions. */
  pb_shared: int(1605, 0, 100_000_000),
  /** SwiGLU experts (three matrices) instead of a two-matrix MLP. */
  pb_swiglu: flag(true),
  /** The solver's total size, in billions, and the shared share in percent. */
  pb_total: int(400, 1, 100_000),
  pb_share: int(0, 0, 99),
};
