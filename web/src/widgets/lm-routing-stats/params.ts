// Lesson parameters of lm-routing-stats (checked at build time by widgets/catalog.ts).
import * as z from 'zod';

export const lmRoutingStatsParams = z
  .object({
    /** The model folder, e.g. "models/moe-lm/". */
    model: z.string().trim().min(1).max(200),
    /** topics: expert share per domain, NMI, vocabulary; neighbours: consecutive-token agreement. */
    view: z.enum(['topics', 'neighbours']),
    /** Tokens routed per held-out domain (the CLI's --max-tokens). */
    max_tokens: z.number().int().min(64).max(8192).default(1024),
    /** The text in the learner's box before they type their own. */
    sample: z.string().min(1).max(400),
  })
  .strict();
export type LmRoutingStatsParams = z.infer<typeof lmRoutingStatsParams>;
