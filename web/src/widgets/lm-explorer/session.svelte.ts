// The lm-explorer's conversation with the engine: generate after a prompt in chunks, appending each
// chunk's tokens as they come; Cancel stops between chunks. The model itself is the page's shared
// one (lm-common/model.svelte.ts). Reactive (Svelte 5 runes) so the component only draws it.
import type { Engine } from '../../engine';
import type { LmModel } from '../lm-common/model.svelte';
import { tokenRows } from './tokens';
import type { TokenRow } from './tokens';

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
  runPhase = $state<RunPhase>('idle');
  runError = $state<string | null>(null);
  rows = $state<TokenRow[]>([]);

  private run = 0; // bumped by every start and cancel: a stale loop stops at its next chunk

  constructor(private readonly model: LmModel) {}

  /** Tokenizes the prompt, then streams the continuation chunk by chunk into `rows`. */
  async generate(request: GenerateRequest): Promise<void> {
    const info = this.model.info;
    if (!info || this.runPhase === 'running') return;
    const run = ++this.run;
    this.runError = null;
    this.rows = [];
    this.runPhase = 'running';
    const engine: Engine = this.model.engine();
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
    this.model.claimGenerator(this);
    const started = await engine.lmGenerateStart(info.id, tokens.value.ids, {
      greedy: request.greedy,
      seed: request.seed,
      temperature: request.temperature,
      top_p: request.top_p,
      max_new_tokens: Math.min(request.max_new_tokens, room),
    });
    if (!this.current(run)) return;
    if (!started.ok) return this.failRun(run, started.error);
    this.rows = tokenRows(tokens.value.ids, tokens.value.pieces, started.value.routing, false);
    for (;;) {
      const next = await engine.lmGenerateNext(info.id, request.chunk);
      if (!this.current(run)) return; // cancelled, restarted or preempted while this chunk was computed
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

  /** Stops any stream (the shared model stays loaded for the other widgets). */
  dispose(): void {
    this.run++;
  }

  /** Still the latest run of this session, and no other widget took the model's generator since. */
  private current(run: number): boolean {
    if (run === this.run && !this.model.ownsGenerator(this)) {
      this.run++;
      this.runPhase = 'cancelled';
    }
    return run === this.run;
  }

  private failRun(run: number, error: string): void {
    if (run !== this.run) return;
    this.runError = error;
    this.runPhase = 'failed';
  }
}
