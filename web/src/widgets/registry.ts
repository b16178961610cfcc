// Widget components by name. The catalog (catalog.ts) holds what lessons may
// say about a widget; this table adds the component that draws it. Typing it
// by WidgetName makes a catalog entry without a component a compile error.
// Each component is its own chunk, loaded when a lesson first shows it, so the
// first lesson does not download the code of every widget in the course.
import type { Component } from 'svelte';
import type { WidgetName } from './states';
import type { WidgetProps } from './types';

// Each widget narrows its params/state; the host passes validated data.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyWidget = Component<WidgetProps<any, any>>;
type WidgetModule = Promise<{ default: AnyWidget }>;

export const widgetRegistry: Record<WidgetName, () => WidgetModule> = {
  'token-walk': () => import('./token-walk/TokenWalk.svelte'),
  'param-budget': () => import('./param-budget/ParamBudget.svelte'),
  'expert-ffn': () => import('./expert-ffn/ExpertFfn.svelte'),
  'router-matrix': () => import('./router-matrix/RouterMatrix.svelte'),
  'idle-heatmap': () => import('./idle-heatmap/IdleHeatmap.svelte'),
  'topk-cut': () => import('./topk-cut/TopkCut.svelte'),
  'train-load': () => import('./train-load/TrainLoad.svelte'),
  'balance-compare': () => import('./balance-compare/BalanceCompare.svelte'),
  'train-cost': () => import('./train-cost/TrainCost.svelte'),
  'expert-words': () => import('./expert-words/ExpertWords.svelte'),
  'moe-designer': () => import('./moe-designer/MoeDesigner.svelte'),
  quiz: () => import('./quiz/Quiz.svelte'),
  'rebatch-flakiness': () => import('./rebatch-flakiness/RebatchFlakiness.svelte'),
  'near-tie-flips': () => import('./near-tie-flips/NearTieFlips.svelte'),
  'ep-sharding': () => import('./ep-sharding/EpSharding.svelte'),
  'own-data-bench': () => import('./own-data-bench/OwnDataBench.svelte'),
  'mod-capacity': () => import('./mod-capacity/ModCapacity.svelte'),
  'router-choice': () => import('./router-choice/RouterChoice.svelte'),
  'shared-experts': () => import('./shared-experts/SharedExperts.svelte'),
  'lm-explorer': () => import('./lm-explorer/LmExplorer.svelte'),
  'lm-compare': () => import('./lm-compare/LmCompare.svelte'),
  'lm-knockout': () => import('./lm-knockout/LmKnockout.svelte'),
  'lm-routing-stats': () => import('./lm-routing-stats/LmRoutingStats.svelte'),
  'lm-scale': () => import('./lm-scale/LmScale.svelte'),
  'lm-train': () => import('./lm-train/LmTrain.svelte'),
};

const loaded = new Map<WidgetName, WidgetModule>();

export function isWidgetName(name: string): name is WidgetName {
  return Object.hasOwn(widgetRegistry, name);
}

/** The widget's component, downloaded once; a failed download is retried on the next call. */
export function loadWidget(name: WidgetName): WidgetModule {
  let job = loaded.get(name);
  if (!job) {
    job = widgetRegistry[name]();
    job.catch(() => loaded.delete(name));
    loaded.set(name, job);
  }
  return job;
}
