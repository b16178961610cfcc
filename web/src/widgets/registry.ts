// Widget components by name. The catalog (catalog.ts) holds what lessons may
// say about a widget; this table adds the component that draws it. Typing it
// by WidgetName makes a catalog entry without a component a compile error.
import type { Component } from 'svelte';
import type { WidgetName } from './catalog';
import type { WidgetProps } from './types';
import TokenWalk from './token-walk/TokenWalk.svelte';
import ParamBudget from './param-budget/ParamBudget.svelte';
import ExpertFfn from './expert-ffn/ExpertFfn.svelte';
import RouterMatrix from './router-matrix/RouterMatrix.svelte';
import IdleHeatmap from './idle-heatmap/IdleHeatmap.svelte';
import TopkCut from './topk-cut/TopkCut.svelte';
import TrainLoad from './train-load/TrainLoad.svelte';
import BalanceCompare from './balance-compare/BalanceCompare.svelte';
import TrainCost from './train-cost/TrainCost.svelte';
import ExpertWords from './expert-words/ExpertWords.svelte';
import MoeDesigner from './moe-designer/MoeDesigner.svelte';
import Quiz from './quiz/Quiz.svelte';
import RebatchFlakiness from './rebatch-flakiness/RebatchFlakiness.svelte';
import EpSharding from './ep-sharding/EpSharding.svelte';
import OwnDataBench from './own-data-bench/OwnDataBench.svelte';
import ModCapacity from './mod-capacity/ModCapacity.svelte';

// Each widget narrows its params/state; the host passes validated data.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyWidget = Component<WidgetProps<any, any>>;

export const widgetRegistry: Record<WidgetName, AnyWidget> = {
  'token-walk': TokenWalk,
  'param-budget': ParamBudget,
  'expert-ffn': ExpertFfn,
  'router-matrix': RouterMatrix,
  'idle-heatmap': IdleHeatmap,
  'topk-cut': TopkCut,
  'train-load': TrainLoad,
  'balance-compare': BalanceCompare,
  'train-cost': TrainCost,
  'expert-words': ExpertWords,
  'moe-designer': MoeDesigner,
  quiz: Quiz,
  'rebatch-flakiness': RebatchFlakiness,
  'ep-sharding': EpSharding,
  'own-data-bench': OwnDataBench,
  'mod-capacity': ModCapacity,
};
