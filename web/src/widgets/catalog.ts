// The widgets lessons may place, by name: each one's parameter schema and the
// typed state table it keeps in the URL. Plain TS (no Svelte) so the build-time
// lesson plugin and the tests can validate lessons against it.
import type * as z from 'zod';
import type { StateSpec } from '../player/url-state';
import { tokenWalkParams, tokenWalkState } from './token-walk/spec';
import { paramBudgetParams, paramBudgetState } from './param-budget/spec';
import { expertFfnParams, expertFfnState } from './expert-ffn/spec';
import { routerMatrixParams, routerMatrixState } from './router-matrix/spec';
import { idleHeatmapParams, idleHeatmapState } from './idle-heatmap/spec';
import { topkCutParams, topkCutState } from './topk-cut/spec';
import { trainLoadParams, trainLoadState } from './train-load/spec';
import { balanceCompareParams, balanceCompareState } from './balance-compare/spec';
import { trainCostParams, trainCostState } from './train-cost/spec';
import { expertWordsParams, expertWordsState } from './expert-words/spec';
import { moeDesignerParams, moeDesignerState } from './moe-designer/spec';
import { quizParams, quizState } from './quiz/spec';
import { rebatchParams, rebatchState } from './rebatch-flakiness/spec';
import { epShardingParams, epShardingState } from './ep-sharding/spec';
import { ownDataParams, ownDataState } from './own-data-bench/spec';
import { modCapacityParams, modCapacityState } from './mod-capacity/spec';

export interface WidgetSpec {
  params: z.ZodType;
  state: StateSpec;
}

export const widgetCatalog = {
  'token-walk': { params: tokenWalkParams, state: tokenWalkState },
  'param-budget': { params: paramBudgetParams, state: paramBudgetState },
  'expert-ffn': { params: expertFfnParams, state: expertFfnState },
  'router-matrix': { params: routerMatrixParams, state: routerMatrixState },
  'idle-heatmap': { params: idleHeatmapParams, state: idleHeatmapState },
  'topk-cut': { params: topkCutParams, state: topkCutState },
  'train-load': { params: trainLoadParams, state: trainLoadState },
  'balance-compare': { params: balanceCompareParams, state: balanceCompareState },
  'train-cost': { params: trainCostParams, state: trainCostState },
  'expert-words': { params: expertWordsParams, state: expertWordsState },
  'moe-designer': { params: moeDesignerParams, state: moeDesignerState },
  quiz: { params: quizParams, state: quizState },
  'rebatch-flakiness': { params: rebatchParams, state: rebatchState },
  'ep-sharding': { params: epShardingParams, state: epShardingState },
  'own-data-bench': { params: ownDataParams, state: ownDataState },
  'mod-capacity': { params: modCapacityParams, state: modCapacityState },
} satisfies Record<string, WidgetSpec>;

export type WidgetName = keyof typeof widgetCatalog;

export function isWidgetName(name: string): name is WidgetName {
  return Object.hasOwn(widgetCatalog, name);
}
