// The lm-explorer's conversation with the engine: fetch and load the model folder (with a progress
// bar and a retry), then generate after a prompt in chunks, appending each chunk's tokens as they
// come; Cancel stops between chunks. Reactive (Svelte 5 runes) so the component only draws it.
import type { Engine, FolderProgress, LmInfo } from '../../engine';
import { fetchModelFolder } from '../../engine';
import { tokenRows } from './tokens';
import type { TokenRow } from './tokens';

export type LoadPhase = 'idle' | 'fetching' | 'loading' | 'ready' | 'failed';
export type RunPhase = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface GenerateRequest {
  prompt: string;
  greedy: boolean;
  seed: number;
  temperature: number;
  top_p: number;
  max_new_tokens: number;
  chunk: number;
}

export class LmSession {
  loadPhase = $state<LoadPhase>('idle');
  progress = $state<FolderProgress>({ received: 0, total: null });
  loadError = $state<string | null>(null);
  info = $state<LmInfo | null>(null);

  runPhase = $state<RunPhase>('idle');
  runError = $state<string | null>(null);
  rows = $state<TokenRow[]>([]);

  private run = 0; // bumped by every start and cancel: a stale loop stops at its next chunk

  constructor(private readonly engine: () => Engine) {}

  /** Fetches the folder at `url` and loads it into the engine; on failure, `loadError` says why. */
  async load(url: string): Promise<void> {
    if (this.loadPhase === 'fetching' || this.loadPhase === 'loading') return;
    this.loadError = null;
    this.loadPhase = 'fetching';
    this.progress = { received: 0, total: null };
    const files = await fetchModelFolder(url, { onProgress: (p) => (this.progress = p) });
    if (!files.ok) return this.failLoad(files.error);
    this.loadPhase = 'loading';
    const loaded = await this.engine().lmLoad(files.value);
    if (!loaded.ok) return this.failLoad(loaded.error);
    this.info = loaded.value;
    this.loadPhase = 'ready';
  }

  /** Tokenizes the prompt, then streams the continuation chunk by chunk into `rows`. */
  async generate(request: GenerateRequest): Promise<void> {
    const info = this.info;
    if (!info || this.runPhase === 'running') return;
    const run = ++this.run;
    this.runError = null;
    this.rows = [];
    this.runPhase = 'running';
    const engine = this.engine();
    const tokens = await engine.lmTokenize(info.id, request.prompt);
    if (!tokens.ok) return this.failRun(run, tokens.error);
    const n = tokens.value.ids.length;
    if (n === 0) return this.failRun(run, 'The prompt is empty: type a few words for the model to continue.');
    const room = info.max_position_embeddings - n;
    if (room < 1) {
      return this.failRun(
        run,
        `The prompt is ${n.toLocaleString('en')} tokens long; this model reads at most ${info.max_position_embeddings} tokens, prompt and continuation together. Shorten the prompt.`,
      );
    }
    const started = await engine.lmGenerateStart(info.id, tokens.value.ids, {
      greedy: request.greedy,
      seed: request.seed,
      temperature: request.temperature,
      top_p: request.top_p,
      max_new_tokens: Math.min(request.max_new_tokens, room),
    });
    if (run !== this.run) return;
    if (!started.ok) return this.failRun(run, started.error);
    this.rows = tokenRows(tokens.value.ids, tokens.value.pieces, started.value.routing, false);
    for (;;) {
      const next = await engine.lmGenerateNext(info.id, request.chunk);
      if (run !== this.run) return; // cancelled or restarted while this chunk was computed
      if (!next.ok) return this.failRun(run, next.error);
      const chunk = next.value;
      this.rows = [...this.rows, ...tokenRows(chunk.ids, chunk.pieces ?? [], chunk.routing, true)];
      if (chunk.done) break;
    }
    this.runPhase = 'done';
  }

  /** Stops streaming after the chunk in flight; the tokens so far stay on screen. */
  cancel(): void {
    if (this.runPhase !== 'running') return;
    this.run++;
    this.runPhase = 'cancelled';
  }

  /** Frees the model in the worker. */
  dispose(): void {
    this.run++;
    if (this.info) void this.engine().lmDelete(this.info.id);
    this.info = null;
  }

  private failLoad(error: string): void {
    this.loadError = error;
    this.loadPhase = 'failed';
  }

  private failRun(run: number, error: string): void {
    if (run !== this.run) return;
    this.runError = error;
    this.runPhase = 'failed';
  }
}
