// The page-side engine client against a fake worker: replies are matched to
// calls, a dying worker is restarted and its pending calls get error values.
import { describe, expect, it } from 'vitest';
import { handleRequest } from '../../web/src/engine/rpc';
import type { EngineMethods } from '../../web/src/engine/api';
import type { Request } from '../../web/src/engine/rpc';
import { startWithFakes } from './fake-worker';

describe('Engine client', () => {
  it('becomes ready and matches replies to calls by id', async () => {
    const { engine, workers } = startWithFakes();
    workers[0].reply({ id: 0, ready: true });
    await engine.ready;
    const a = engine.embed('one');
    const b = engine.embed('two');
    const [ra, rb] = workers[0].sent;
    workers[0].reply({ id: rb.id, result: { ok: true, value: 'B' } });
    workers[0].reply({ id: ra.id, result: { ok: true, value: 'A' } });
    expect(await a).toEqual({ ok: true, value: 'A' });
    expect(await b).toEqual({ ok: true, value: 'B' });
  });

  it('starts on the threads the hello names and follows a later switch to more threads', async () => {
    const { engine, workers } = startWithFakes();
    const seen: number[] = [];
    engine.onthreads = (n) => seen.push(n);
    workers[0].reply({ id: 0, ready: true, threads: 1 });
    await engine.ready;
    expect(engine.threads).toBe(1);
    workers[0].reply({ id: 0, threads: 2 });
    expect(engine.threads).toBe(2);
    expect(seen).toEqual([2]);
    // The switch is not a reply: a call in flight still gets its own answer.
    const call = engine.embed('x');
    workers[0].reply({ id: workers[0].sent[0].id, result: { ok: true, value: 'X' } });
    expect(await call).toEqual({ ok: true, value: 'X' });
  });

  it('restarts a worker that dies and answers its pending calls with an error value', async () => {
    const { engine, workers } = startWithFakes();
    workers[0].reply({ id: 0, ready: true });
    await engine.ready;
    const pending = engine.embed('lost');
    workers[0].die('out of memory');
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/worker stopped \(out of memory\)/);
    expect(workers).toHaveLength(2);
    expect(workers[0].terminated).toBe(true);
    expect(engine.restarts).toBe(1);

    workers[1].reply({ id: 0, ready: true });
    await engine.ready;
    const next = engine.embed('again');
    const request = workers[1].sent[0];
    workers[1].reply({ id: request.id, result: { ok: true, value: 'ok' } });
    expect(await next).toEqual({ ok: true, value: 'ok' });
  });

  it('does not loop restarting a worker that never loads', async () => {
    const { engine, workers } = startWithFakes();
    workers[0].die('script failed');
    await expect(engine.ready).rejects.toThrow(/failed to start/);
    expect(workers).toHaveLength(1);
    const result = await engine.embed('x');
    expect(result.ok).toBe(false);
  });

  it('reports an engine that fails to load', async () => {
    const { engine, workers } = startWithFakes();
    workers[0].reply({ id: 0, ready: false, error: 'engine failed to load: no wasm' });
    await expect(engine.ready).rejects.toThrow('no wasm');
    expect(await engine.forward({} as never, new Float32Array(0), 0)).toEqual({ ok: false, error: 'engine failed to load: no wasm' });
  });
});

describe('worker request handling', () => {
  // Only the two methods the requests below call; the others are never reached.
  const engine = {
    forward: () => ({ ok: false, error: 'config.top_k: must be >= 1, got 0' }),
    embed: (text) => {
      if (text === 'boom') throw new Error('abort');
      return { ok: true, value: { tokens: [text], feature_names: [], features: new Float32Array(0) } };
    },
  } as Partial<EngineMethods> as EngineMethods;

  it('passes results and error values through, and turns throws into error values', () => {
    expect(handleRequest(engine, { id: 1, method: 'forward', args: [{} as never, new Float32Array(0), 0] }).result).toEqual({
      ok: false,
      error: 'config.top_k: must be >= 1, got 0',
    });
    expect(handleRequest(engine, { id: 2, method: 'embed', args: ['hi'] }).result).toMatchObject({ ok: true });
    expect(handleRequest(engine, { id: 3, method: 'embed', args: ['boom'] })).toEqual({ id: 3, result: { ok: false, error: 'engine: abort' } });
    expect(handleRequest(engine, { id: 4, method: 'nope', args: [] } as unknown as Request).result).toEqual({
      ok: false,
      error: 'engine: unknown method "nope"',
    });
  });
});

describe('portable replies', () => {
  it('moves arrays that own their buffer and copies views out of a larger one', async () => {
    const { portable } = await import('../../web/src/engine/rpc');
    const heap = new Float32Array(1024);
    heap.set([1, 2, 3], 10);
    const own = new Int32Array([4, 5]);
    const { reply, transfer } = portable({ id: 7, result: { ok: true, value: { view: heap.subarray(10, 13), own, n: 3 } } });
    const value = (reply.result as { ok: true; value: { view: Float32Array; own: Int32Array; n: number } }).value;
    expect(Array.from(value.view)).toEqual([1, 2, 3]);
    expect(value.view.buffer.byteLength).toBe(12); // not the whole "heap"
    expect(value.own).toBe(own);
    expect(value.n).toBe(3);
    expect(transfer).toEqual([value.view.buffer, own.buffer]);
  });
});
