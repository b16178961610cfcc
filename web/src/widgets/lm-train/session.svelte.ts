// The lm-train widget's conversation with the engine: start a run of one recipe in the worker,
// train it a chunk at a time (the page draws and may cancel between chunks), keep the routing of
// the fixed evaluation text every few steps, write a sample of text at a few points along the way,
// and at the end ask for the held-out loss and the router saturation against the final model.
// Reactive (Svelte 5 runes): the component only draws what is kept here. Every number is the
// engine's; this file only files them by step and layer.
import type { LmTrainChunk, LmTrainRecipe, LmTrainSaturation, LmTrainTexts, Result } from '../../engine';
import type { BalancingKind } from './recipes';
import { stopPoints } from './summary';

/** The calls a run needs (the real Engine, or a fake in tests). */
export interface LmTrainEngine {
  lmTrainStart(config: LmTrainRecipe, texts: LmTrainTexts): Promise<Result<{ id: number; layers: number; experts: number; steps: number; params: number; active_params: number }>>;
  lmTrainSteps(id: number, n: number): Promise<Result<LmTrainChunk>>;
  lmTrainHeldout(id: number): Promise<Result<number[]>>;
  lmTrainRecordRouting(id: number): Promise<Result<number>>;
  lmTrainSaturation(id: number): Promise<Result<LmTrainSaturation>>;
  lmTrainGenerate(id: number, prompt: string, options?: { max_new_tokens?: number }): Promise<Result<{ text: string }>>;
  lmTrainDelete(id: number): Promise<Result<null>>;
}

export type RunStatus = 'running' | 'done' | 'cancelled' | 'error';

/** One run as the widget draws it; arrays grow as chunks come in. */
export interface RunRecord {
  kind: BalancingKind;
  status: RunStatus;
  error: string;
  planned: number;
  done: number;
  layers: number; // L
  experts: number; // E
  params: number; // the model's parameters, and those one token uses (the engine's count)
  activeParams: number;
  loss: number[]; // [step]
  shares: number[][][]; // [L][step][E] each expert's share of the layer's (token, slot) pairs
  maxShare: number[][]; // [L][step]
  loadCv: number[][]; // [L][step]
  dead: number[][]; // [L][step] experts under 1%
  prompt: string; // the samples' prompt
  samples: { step: number; text: string }[];
  heldout: number[] | null; // [D] at the end
  saturation: LmTrainSaturation | null; // at the end, against the final model
  /** Steps per second seen from the page (engine time only). */
  rate: number;
}

export interface RunPlan {
  recipe: LmTrainRecipe;
  texts: LmTrainTexts;
  prompt: string;
  chunk: number;
  /** Routing of the evaluation text is kept every this many steps (and at 0 and the end). */
  recordEvery: number;
  /** Steps after which a sample is written (0 and the end are always sampled). */
  sampleAt: number[];
  sampleTokens: number;
  /** Pause between chunks so the page paints each one. */
  pauseMs: number;
}

/** Files one chunk into a run: its losses, and per layer each step's shares and load summary. */
export function appendChunk(run: RunRecord, chunk: LmTrainChunk): void {
  const L = run.layers;
  const E = run.experts;
  for (let s = 0; s < chunk.loss.length; s++) {
    run.loss.push(chunk.loss[s]);
    for (let l = 0; l < L; l++) {
      const at = (s * L + l) * E;
      const counts = Array.from(chunk.expert_load.subarray(at, at + E));
      const total = counts.reduce((a, b) => a + b, 0);
      run.shares[l].push(counts.map((c) => (total > 0 ? c / total : 0)));
      run.maxShare[l].push(chunk.max_share[s * L + l]);
      run.loadCv[l].push(chunk.load_cv[s * L + l]);
      run.dead[l].push(chunk.dead_experts[s * L + l]);
    }
  }
  run.done = chunk.step;
}

function newRun(kind: BalancingKind, planned: number, layers = 0, experts = 0, params = 0, activeParams = 0): RunRecord {
  const perLayer = () => Array.from({ length: layers }, () => [] as never[]);
  return {
    kind,
    status: 'running',
    error: '',
    planned,
    done: 0,
    layers,
    experts,
    params,
    activeParams,
    loss: [],
    shares: perLayer(),
    maxShare: perLayer(),
    loadCv: perLayer(),
    dead: perLayer(),
    prompt: '',
    samples: [],
    heldout: null,
    saturation: null,
    rate: 0,
  };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LmTrainSession {
  /** The last run of each kind (a new run of a kind replaces its record). */
  runs = $state.raw<Partial<Record<BalancingKind, RunRecord>>>({});
  /** The kind running now, or null. */
  active = $state<BalancingKind | null>(null);
  private token = 0; // bumped by every start, cancel and dispose: a stale loop stops at its next chunk

  constructor(private readonly engine: () => LmTrainEngine) {}

  /** Trains one run of `kind` under `plan`; resolves to its record once it ends (done, cancelled or error). */
  async start(kind: BalancingKind, plan: RunPlan): Promise<RunRecord | null> {
    if (this.active) return null;
    const token = ++this.token;
    this.active = kind;
    const engine = this.engine();
    const started = await engine.lmTrainStart(plan.recipe, plan.texts);
    if (!started.ok) {
      const failed = newRun(kind, plan.recipe.steps);
      return this.finish(token, { ...failed, status: 'error', error: started.error });
    }
    const { id, layers, experts, steps, params, active_params } = started.value;
    const run = { ...newRun(kind, steps, layers, experts, params, active_params), prompt: plan.prompt };
    this.show(run);
    const stop = async (status: RunStatus, error = ''): Promise<RunRecord | null> => {
      await engine.lmTrainDelete(id);
      return this.finish(token, { ...run, status, error });
    };
    const points = stopPoints(plan, steps);
    const sampleAt = new Set([0, steps, ...plan.sampleAt]);
    let engineMs = 0;
    for (const target of points) {
      while (run.done < target) {
        if (token !== this.token) return stop('cancelled');
        const t0 = performance.now();
        const chunk = await engine.lmTrainSteps(id, Math.min(plan.chunk, target - run.done));
        engineMs += performance.now() - t0;
        if (!chunk.ok) return stop('error', chunk.error);
        appendChunk(run, chunk.value);
        run.rate = engineMs > 0 ? (run.done * 1000) / engineMs : 0;
        if (token === this.token) this.show(run);
        if (plan.pauseMs > 0) await pause(plan.pauseMs);
      }
      if (token !== this.token) return stop('cancelled');
      const recorded = await engine.lmTrainRecordRouting(id);
      if (!recorded.ok) return stop('error', recorded.error);
      if (sampleAt.has(target)) {
        const text = await engine.lmTrainGenerate(id, plan.prompt, { max_new_tokens: plan.sampleTokens });
        if (!text.ok) return stop('error', text.error);
        run.samples.push({ step: target, text: text.value.text });
        if (token === this.token) this.show(run);
      }
    }
    const heldout = await engine.lmTrainHeldout(id);
    if (!heldout.ok) return stop('error', heldout.error);
    const saturation = await engine.lmTrainSaturation(id);
    if (!saturation.ok) return stop('error', saturation.error);
    run.heldout = heldout.value;
    run.saturation = saturation.value;
    return stop('done');
  }

  /** Stops the run in flight after its current chunk (its record says 'cancelled'). */
  cancel(): void {
    if (this.active) this.token++;
  }

  /** For the widget's teardown: stops a run in flight and drops the records. */
  dispose(): void {
    this.token++;
    this.active = null;
  }

  private show(run: RunRecord): void {
    this.runs = { ...this.runs, [run.kind]: { ...run, samples: run.samples.slice(), loss: run.loss.slice() } };
  }

  private finish(token: number, run: RunRecord): RunRecord | null {
    // A cancelled run's loop ends here too; only a disposed widget's is dropped.
    if (this.active === run.kind && (token === this.token || run.status === 'cancelled')) {
      this.runs = { ...this.runs, [run.kind]: run };
      this.active = null;
    }
    return run;
  }
}
