// Lesson parameters of balance-compare: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';

export const balanceCompareParams = z
  .object({
    pause_ms: z.number().int().min(0).max(500).default(30),
    chunk: z.number().int().min(1).max(200).default(25),
  })
  .strict();
export type BalanceCompareParams = z.infer<typeof balanceCompareParams>;
