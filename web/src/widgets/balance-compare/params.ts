// Lesson parameters of balance-compare: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { runPacingParams } from '../train-common/params';

export const balanceCompareParams = z.object(runPacingParams(30)).strict();
export type BalanceCompareParams = z.infer<typeof balanceCompareParams>;
