// One language model per page per folder, shared by every widget that shows it.
//
// API (everything a widget needs):
//   const model = sharedLmModel(params.model, () => engine); // same object for the same folder
//   <LmModelGate {model}>{#snippet children(info)} …uses info.id… {/snippet}</LmModelGate>
// The gate starts the load when it mounts, draws the progress bar, and on failure the reason and a
// "Try again" button; its children render once the model is ready. Without the gate:
//   const info = await model.load();       // LmInfo, or null with model.error saying why
// `load()` is idempotent: concurrent callers share one download; a ready model answers at once;
// after a failure it tries again; after the engine's worker restarted it loads again.
// Reactive fields: phase, progress, error, info.
//
// Generation state lives with the model in the worker (lmGenerateStart/Next name the model id), so
// two widgets streaming from one model would interleave. A widget that streams calls
// `model.claimGenerator(this)` before lmGenerateStart and checks `model.ownsGenerator(this)`
// between chunks; a later claim wins and the earlier stream stops.
//
// The model stays loaded for the page's lifetime (a few MB in the worker), so moving to the next
// Phase 5 lesson does not fetch it again. `new LmModel(url, engine)` makes an unshared one (tests).
import type { Engine, FolderProgress, LmInfo } from '../../engine';
import { fetchModelFolder } from '../../engine';

export type LoadPhase = 'idle' | 'fetching' | 'loading' | 'ready' | 'failed';

export class LmModel {
  phase = $state<LoadPhase>('idle');
  progress = $state<FolderProgress>({ received: 0, total: null });
  error = $state<string | null>(null);
  info = $state<LmInfo | null>(null);

  private pending: Promise<LmInfo | null> | null = null;
  private loadedAtRestart = 0; // the engine's restart count when the model was loaded
  private generator: object | null = null;

  constructor(
    readonly url: string,
    public engine: () => Engine,
  ) {}

  /** The loaded model's sizes, loading it first if needed; null on failure (`error` says why). */
  load(): Promise<LmInfo | null> {
    if (this.pending) return this.pending;
    if (this.phase === 'ready' && this.info && this.restarts() === this.loadedAtRestart) return Promise.resolve(this.info);
    this.pending = this.fetchAndLoad().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Frees the model in the worker and forgets it (the next load fetches again). */
  unload(): void {
    if (this.info) void this.engine().lmDelete(this.info.id);
    this.info = null;
    this.phase = 'idle';
    this.generator = null;
  }

  /** Makes `owner` the one widget streaming from this model; any earlier owner's stream stops. */
  claimGenerator(owner: object): void {
    this.generator = owner;
  }

  ownsGenerator(owner: object): boolean {
    return this.generator === owner;
  }

  private async fetchAndLoad(): Promise<LmInfo | null> {
    this.error = null;
    this.info = null;
    this.phase = 'fetching';
    this.progress = { received: 0, total: null };
    const files = await fetchModelFolder(this.url, { onProgress: (p) => (this.progress = p) });
    if (!files.ok) return this.fail(files.error);
    this.phase = 'loading';
    const restarts = this.restarts();
    const loaded = await this.engine().lmLoad(files.value);
    if (!loaded.ok) return this.fail(loaded.error);
    this.loadedAtRestart = restarts;
    this.info = loaded.value;
    this.phase = 'ready';
    return loaded.value;
  }

  private fail(error: string): null {
    this.error = error;
    this.phase = 'failed';
    return null;
  }

  private restarts(): number {
    const n = (this.engine() as { restarts?: unknown }).restarts;
    return typeof n === 'number' ? n : 0;
  }
}

const shared = new Map<string, LmModel>();

/** The page's one LmModel for the folder at `url` ("models/moe-lm/" and "models/moe-lm" are one). */
export function sharedLmModel(url: string, engine: () => Engine): LmModel {
  const key = url.endsWith('/') ? url : `${url}/`;
  let model = shared.get(key);
  if (!model) shared.set(key, (model = new LmModel(key, engine)));
  else model.engine = engine;
  return model;
}

/** Unloads and forgets every shared model (tests; a page never needs it). */
export function forgetSharedLmModels(): void {
  for (const model of shared.values()) model.unload();
  shared.clear();
}
