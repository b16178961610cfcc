// Lesson parameters of train-load: the schema the lesson plugin checks a widget block's `params`
// against at build time (widgets/catalog.ts). Kept out of spec.ts so the page never loads zod.
import * as z from 'zod';
import { runPacingParams } from '../train-common/params';

export const trainLoadParams = z.object(runPacingParams(40)).strict();
export type TrainLoadParams = z.infer<typeof trainLoadParams>;
