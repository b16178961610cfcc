// A zod check the router widgets' params share: the router matrix has one row per expert, and the
// token-choice k is at most the number of experts. Imported only by params.ts files (build time).
import type * as z from 'zod';

/** For `.superRefine`: one router row per expert, and top_k <= experts. */
export function checkRouterRows(p: { experts: unknown[]; router: unknown[]; top_k: number }, ctx: z.RefinementCtx): void {
  if (p.router.length !== p.experts.length) {
    ctx.addIssue({ code: 'custom', path: ['router'], message: `needs one row per expert (${p.experts.length}), found ${p.router.length}` });
  }
  if (p.top_k > p.experts.length) {
    ctx.addIssue({ code: 'custom', path: ['top_k'], message: `must be at most the number of experts (${p.experts.length})` });
  }
}
