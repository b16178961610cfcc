// The widgets lessons may place, by name: each one's parameter schema and the
// typed state table it keeps in the URL. Plain TS (no Svelte) so the build-time
// lesson plugin and the tests can validate lessons against it. The page itself
// imports states.ts instead, which keeps zod out of its JavaScript.
import type * as z from 'zod';
import type { StateSpec } from '../player/url-state';
import { widgetStates } from './states';
import type { WidgetName } from './states';
import { tokenWalkParams } from './token-walk/params';
import { paramBudgetParams } from './param-budget/params';
import { expertFfnParams } from './expert-ffn/params';
import { routerMatrixParams } from './router-matrix/params';
import { idleHeatmapParams } from './idle-heatmap/params';
import { topkCutParams } from './topk-cut/params';
import { trainLoadParams } from './train-load/params';
import { balanceCompareParams } from './balance-compare/params';
import { trainCostParams } from './train-cost/params';
import { expertWordsParams } from './expert-words/params';
import { moeDesignerParams } from './moe-designer/params';
import { quizParams } from './quiz/params';
import { rebatchParams } from './rebatch-flakiness/params';
import { nearTieParams } from './near-tie-flips/params';
import { epShardingParams } from './ep-sharding/params';
import { ownDataParams } from './own-data-bench/params';
import { modCapacityParams } from './mod-capacity/params';
import { routerChoiceParams } from './router-choice/params';
import { sharedExpertsParams } from './shared-experts/params';
import { lmExplorerParams } from './lm-explorer/params';
import { lmCompareParams } from './lm-compare/params';
import { lmKnockoutParams } from './lm-knockout/params';
import { lmRoutingStatsParams } from './lm-routing-stats/params';
import { lmScaleParams } from './lm-scale/params';
import { lmTrainParams } from './lm-train/params';

export type { WidgetName };

export interface WidgetSpec {
  params: z.ZodType;
  state: StateSpec;
}

// Typed by WidgetName: a widget with a state table but no schema (or the other way round) does not compile.
export const widgetCatalog = {
  'token-walk': { params: tokenWalkParams, state: widgetStates['token-walk'] },
  'param-budget': { params: paramBudgetParams, state: widgetStates['param-budget'] },
  'expert-ffn': { params: expertFfnParams, state: widgetStates['expert-ffn'] },
  'router-matrix': { params: routerMatrixParams, state: widgetStates['router-matrix'] },
  'idle-heatmap': { params: idleHeatmapParams, state: widgetStates['idle-heatmap'] },
  'topk-cut': { params: topkCutParams, state: widgetStates['topk-cut'] },
  'train-load': { params: trainLoadParams, state: widgetStates['train-load'] },
  'balance-compare': { params: balanceCompareParams, state: widgetStates['balance-compare'] },
  'train-cost': { params: trainCostParams, state: widgetStates['train-cost'] },
  'expert-words': { params: expertWordsParams, state: widgetStates['expert-words'] },
  'moe-designer': { params: moeDesignerParams, state: widgetStates['moe-designer'] },
  quiz: { params: quizParams, state: widgetStates.quiz },
  'rebatch-flakiness': { params: rebatchParams, state: widgetStates['rebatch-flakiness'] },
  'near-tie-flips': { params: nearTieParams, state: widgetStates['near-tie-flips'] },
  'ep-sharding': { params: epShardingParams, state: widgetStates['ep-sharding'] },
  'own-data-bench': { params: ownDataParams, state: widgetStates['own-data-bench'] },
  'mod-capacity': { params: modCapacityParams, state: widgetStates['mod-capacity'] },
  'router-choice': { params: routerChoiceParams, state: widgetStates['router-choice'] },
  'shared-experts': { params: sharedExpertsParams, state: widgetStates['shared-experts'] },
  'lm-explorer': { params: lmExplorerParams, state: widgetStates['lm-explorer'] },
  'lm-compare': { params: lmCompareParams, state: widgetStates['lm-compare'] },
  'lm-knockout': { params: lmKnockoutParams, state: widgetStates['lm-knockout'] },
  'lm-routing-stats': { params: lmRoutingStatsParams, state: widgetStates['lm-routing-stats'] },
  'lm-scale': { params: lmScaleParams, state: widgetStates['lm-scale'] },
  'lm-train': { params: lmTrainParams, state: widgetStates['lm-train'] },
} satisfies Record<WidgetName, WidgetSpec>;
