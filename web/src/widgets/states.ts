// The widgets lessons may place, by name, with the typed state table each keeps
// in the URL. This is all the page needs to know about a widget before its
// component loads; it imports no schema library (the parameter schemas are in
// catalog.ts, for the build-time lesson plugin and the tests).
import type { StateSpec } from '../player/url-state';
import { tokenWalkState } from './token-walk/spec';
import { paramBudgetState } from './param-budget/spec';
import { expertFfnState } from './expert-ffn/spec';
import { routerMatrixState } from './router-matrix/spec';
import { idleHeatmapState } from './idle-heatmap/spec';
import { topkCutState } from './topk-cut/spec';
import { trainLoadState } from './train-load/spec';
import { balanceCompareState } from './balance-compare/spec';
import { trainCostState } from './train-cost/spec';
import { expertWordsState } from './expert-words/spec';
import { moeDesignerState } from './moe-designer/spec';
import { quizState } from './quiz/spec';
import { rebatchState } from './rebatch-flakiness/spec';
import { nearTieState } from './near-tie-flips/spec';
import { epShardingState } from './ep-sharding/spec';
import { ownDataState } from './own-data-bench/spec';
import { modCapacityState } from './mod-capacity/spec';
import { routerChoiceState } from './router-choice/spec';
import { sharedExpertsState } from './shared-experts/spec';
import { lmExplorerState } from './lm-explorer/spec';
import { lmCompareState } from './lm-compare/spec';
import { lmKnockoutState } from './lm-knockout/spec';
import { lmRoutingStatsState } from './lm-routing-stats/spec';
import { lmScaleState } from './lm-scale/spec';
import { lmTrainState } from './lm-train/spec';

export const widgetStates = {
  'token-walk': tokenWalkState,
  'param-budget': paramBudgetState,
  'expert-ffn': expertFfnState,
  'router-matrix': routerMatrixState,
  'idle-heatmap': idleHeatmapState,
  'topk-cut': topkCutState,
  'train-load': trainLoadState,
  'balance-compare': balanceCompareState,
  'train-cost': trainCostState,
  'expert-words': expertWordsState,
  'moe-designer': moeDesignerState,
  quiz: quizState,
  'rebatch-flakiness': rebatchState,
  'near-tie-flips': nearTieState,
  'ep-sharding': epShardingState,
  'own-data-bench': ownDataState,
  'mod-capacity': modCapacityState,
  'router-choice': routerChoiceState,
  'shared-experts': sharedExpertsState,
  'lm-explorer': lmExplorerState,
  'lm-compare': lmCompareState,
  'lm-knockout': lmKnockoutState,
  'lm-routing-stats': lmRoutingStatsState,
  'lm-scale': lmScaleState,
  'lm-train': lmTrainState,
} satisfies Record<string, StateSpec>;

export type WidgetName = keyof typeof widgetStates;
