// The lm-explorer widget's session (web/src/widgets/lm-explorer/session.svelte.ts) and the shared
// model it streams from (web/src/widgets/lm-common/model.svelte.ts) against the real wasm engine: a
// model folder fetched and loaded (a failed fetch, then a retry), one download shared by concurrent
// callers, a prompt continued in chunks with the native CLI's greedy tokens and each token's
// routing, the context limit as a plain message, Cancel stopping the stream between chunks, and a
// second widget's stream taking the model's generator over.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../web/src/engine';
import { LmModel, forgetSharedLmModels, sharedLmModel } from '../../web/src/widgets/lm-common/model.svelte';
import { LmSession } from '../../web/src/widgets/lm-explorer/session.svelte';
import type { GenerateRequest } from '../../web/src/widgets/lm-explorer/session.svelte';
import { visibleText } from '../../web/src/widgets/lm-explorer/tokens';
import { cliGenerate, makeSmallModel } from './lm-fixtures';
import type { SmallModel } from './lm-fixtures';
import { loadEngineCore } from './wasm-engine';

type Core = import('../../web/src/engine/core').EngineCore;

let core: Core;
let small: SmallModel;
const realFetch = globalThis.fetch;
let fetchFails = 0;
let fetches = 0;

/** The page's Engine, answered in this process by the real EngineCore (what the worker does). */
function engineOver(c: Core, onNext?: () => void): Engine {
  return new Proxy({} as Engine, {
    get: (_t, name: string) => async (...args: unknown[]) => {
      if (name.startsWith('lm')) await c.ensureLm();
      if (name === 'lmGenerateNext') onNext?.();
      return (c as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
    },
  });
}

beforeAll(async () => {
  core = await loadEngineCore();
  small = makeSmallModel();
  // Serves /models/small/<file> from the small model's folder; the first `fetchFails` requests fail.
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    fetches++;
    if (fetchFails > 0) {
      fetchFails--;
      return new Response('', { status: 503, statusText: 'Service Unavailable' });
    }
    const name = String(input).replace('/models/small/', '');
    return new Response(readFileSync(path.join(small.dir, name)), { status: 200 });
  }) as typeof fetch;
});

afterAll(() => {
  globalThis.fetch = realFetch;
  forgetSharedLmModels();
  core?.dispose();
  if (small) rmSync(small.dir, { recursive: true, force: true });
});

const request = (prompt: string, more: Partial<GenerateRequest> = {}): GenerateRequest => ({
  prompt,
  greedy: true,
  seed: 1,
  temperature: 0.8,
  top_p: 0.9,
  max_new_tokens: 12,
  chunk: 3,
  ...more,
});

/** A session over a freshly loaded, unshared model of the small folder. */
async function readySession(onNext?: () => void): Promise<{ model: LmModel; session: LmSession }> {
  const model = new LmModel('/models/small/', () => engineOver(core, onNext));
  if (!(await model.load())) throw new Error(model.error ?? 'not loaded');
  return { model, session: new LmSession(model) };
}

describe('lm-common shared model', () => {
  it('reports a failed download with the file, then loads on retry', async () => {
    const model = new LmModel('/models/small/', () => engineOver(core));
    fetchFails = 3;
    expect(await model.load()).toBeNull();
    expect(model.phase).toBe('failed');
    expect(model.error).toMatch(/^config\.json: HTTP 503 Service Unavailable at \/models\/small\/config\.json$/);
    const info = await model.load();
    expect(model.phase).toBe('ready');
    expect(model.error).toBeNull();
    expect(info?.tokenizer_vocab_size).toBe(small.vocab);
    expect(model.progress.received).toBeGreaterThan(10_000);
    model.unload();
    expect(model.phase).toBe('idle');
  });

  it('is one model per folder: concurrent loads share one download, later loads fetch nothing', async () => {
    const engine = () => engineOver(core);
    const a = sharedLmModel('/models/small', engine);
    const b = sharedLmModel('/models/small/', engine);
    expect(b).toBe(a);
    expect(sharedLmModel('/models/other/', engine)).not.toBe(a);
    const before = fetches;
    const [x, y] = await Promise.all([a.load(), b.load()]);
    expect(fetches - before).toBe(3); // config.json, model.safetensors, tokenizer.json, once
    expect(x?.id).toBe(y?.id);
    expect((await a.load())?.id).toBe(x?.id);
    expect(fetches - before).toBe(3);
    forgetSharedLmModels();
    expect(sharedLmModel('/models/small/', engine)).not.toBe(a);
    forgetSharedLmModels();
  });
});

describe('lm-explorer session', () => {
  it('continues a prompt with the CLI greedy tokens, every token carrying its routing in every layer', async () => {
    const { model, session } = await readySession();
    await session.generate(request('The cook stirred the'));
    expect(session.runPhase).toBe('done');
    const prompt = session.rows.filter((r) => !r.generated);
    const continuation = session.rows.filter((r) => r.generated);
    expect(prompt.map((r) => r.text).join('')).toBe('The cook stirred the');
    expect(continuation.length).toBe(12);
    expect(continuation.map((r) => r.id)).toEqual(cliGenerate(small.dir, prompt.map((r) => r.id), 12));
    // Routing: each token has L layers of top-2 experts with gates summing to 1 and E probabilities.
    const trace = await engineOver(core).lmTrace(model.info!.id, session.rows.map((r) => r.id));
    if (!trace.ok) throw new Error(trace.error);
    for (const [t, row] of session.rows.entries()) {
      expect(row.layers.length).toBe(2);
      for (const [l, choice] of row.layers.entries()) {
        expect(choice.probs.length).toBe(4);
        expect(choice.gates[0] + choice.gates[1]).toBeCloseTo(1, 5);
        expect(choice.experts).toEqual(Array.from(trace.value.routing.topk_ids.subarray((l * session.rows.length + t) * 2, (l * session.rows.length + t) * 2 + 2)));
      }
    }
    session.dispose();
    model.unload();
  });

  it('says plainly when the prompt does not fit the context, or is empty', async () => {
    const { model, session } = await readySession();
    await session.generate(request('word '.repeat(20_000)));
    expect(session.runPhase).toBe('failed');
    expect(session.runError).toMatch(/^The prompt is [\d,]+ tokens long; this model reads at most 48 tokens, prompt and continuation together\. Shorten the prompt\.$/);
    await session.generate(request(''));
    expect(session.runError).toBe('The prompt is empty: type a few words for the model to continue.');
    // Control characters and mixed scripts are a prompt like any other.
    await session.generate(request('tab\there\u0007 Ελλά 中文 🙂', { max_new_tokens: 3 }));
    expect(session.runPhase).toBe('done');
    expect(session.rows.filter((r) => r.generated).length).toBe(3);
    session.dispose();
    model.unload();
  });

  it('Cancel stops the stream after the chunk in flight, keeping the tokens so far', async () => {
    let chunks = 0;
    const { model, session } = await readySession(() => ++chunks === 2 && session.cancel());
    await session.generate(request('Stars and', { greedy: false, seed: 5, max_new_tokens: 30, chunk: 2 }));
    expect(session.runPhase).toBe('cancelled');
    // The first chunk was drawn; the one in flight when Cancel came is dropped; nothing after it.
    expect(chunks).toBe(2);
    expect(session.rows.filter((r) => r.generated).length).toBe(2);
    // A new run after Cancel works.
    await session.generate(request('Stars and', { max_new_tokens: 4 }));
    expect(session.runPhase).toBe('done');
    session.dispose();
    model.unload();
  });

  it('a second stream on the same model takes its generator over; the first stops as cancelled', async () => {
    let chunks = 0;
    const other = {};
    const { model, session } = await readySession(() => ++chunks === 2 && model.claimGenerator(other));
    await session.generate(request('Stars and', { max_new_tokens: 30, chunk: 2 }));
    expect(session.runPhase).toBe('cancelled');
    expect(session.rows.filter((r) => r.generated).length).toBe(2);
    const second = new LmSession(model);
    await second.generate(request('The cook stirred the', { max_new_tokens: 5 }));
    expect(second.runPhase).toBe('done');
    const ids = second.rows.map((r) => r.id);
    expect(ids.slice(-5)).toEqual(cliGenerate(small.dir, second.rows.filter((r) => !r.generated).map((r) => r.id), 5));
    model.unload();
  });

  it('shows white space in token texts', () => {
    expect(visibleText(' the')).toBe('·the');
    expect(visibleText('\n\t')).toBe('↵→');
    expect(visibleText('')).toBe('∅');
    expect(visibleText('a\u0000\u0007\u001b\u007f')).toBe('a␀␇␛␡');
  });
});
