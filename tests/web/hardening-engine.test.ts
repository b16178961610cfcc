// The engine client under a trapping or dying worker, and the page-side limits of typed text.
// (1,000 rejected calls followed by a correct forward pass on the same module is covered by
// engine-core.test.ts "survives 1,000 rejected calls and then computes correctly".)
import { describe, expect, it } from 'vitest';
import { isTrap } from '../../web/src/engine/client';
import { startWithFakes } from './fake-worker';
import { SENTENCE_MAX_CHARS, WORD_MAX_CHARS, charCount, checkText, wordTooLong } from '../../web/src/player/text-limits';

async function started() {
  const { engine, workers } = startWithFakes();
  const restarts: string[] = [];
  engine.onrestart = (reason) => restarts.push(reason);
  workers[0].reply({ id: 0, ready: true });
  await engine.ready;
  return { engine, workers, restarts };
}

describe('engine client: traps and crashes', () => {
  it('recognises trap and abort texts, not ordinary refusals', () => {
    for (const t of [
      'engine: RuntimeError: unreachable',
      'engine: RuntimeError: memory access out of bounds',
      'engine: Aborted(OOM)',
      'engine: Cannot enlarge memory arrays to size 2147483648 bytes',
      'engine: Maximum call stack size exceeded',
    ])
      expect(isTrap(t), t).toBe(true);
    for (const t of ['config.num_experts: must be >= 1, got 0', 'text: is 70000 bytes, above the cap of 65536 bytes (64 KiB)', 'input: expected tokens × d_model = 1 × 8 = 8 numbers, got 7'])
      expect(isTrap(t), t).toBe(false);
  });

  it('a call that traps is answered with an error, the worker is replaced, the listener told, and the next call works', async () => {
    const { engine, workers, restarts } = await started();
    const trapped = engine.forward({} as never, new Float32Array(1), 1);
    const other = engine.embed('in flight');
    workers[0].reply({ id: workers[0].sent[0].id, result: { ok: false, error: 'engine: RuntimeError: unreachable' } });
    const r = await trapped;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/engine crashed \(RuntimeError: unreachable\) and was restarted/);
    const o = await other;
    expect(!o.ok && o.error).toMatch(/restarted/);
    expect(workers[0].terminated).toBe(true);
    expect(workers.length).toBe(2);
    expect(engine.restarts).toBe(1);
    expect(restarts).toHaveLength(1);
    // The fresh worker answers.
    workers[1].reply({ id: 0, ready: true });
    const next = engine.embed('hello');
    workers[1].reply({ id: workers[1].sent[0].id, result: { ok: true, value: 'fine' } });
    expect(await next).toEqual({ ok: true, value: 'fine' });
  });

  it('an ordinary refusal does not restart anything', async () => {
    const { engine, workers, restarts } = await started();
    for (let i = 0; i < 1000; i++) {
      const p = engine.embed('x');
      const sent = workers[0].sent[workers[0].sent.length - 1];
      workers[0].reply({ id: sent.id, result: { ok: false, error: 'text: is 70000 bytes, above the cap of 65536 bytes (64 KiB)' } });
      expect((await p).ok).toBe(false);
    }
    expect(workers.length).toBe(1);
    expect(restarts).toEqual([]);
  });

  it('a worker that throws is restarted and the listener told; a late reply of the dead worker is ignored', async () => {
    const { engine, workers, restarts } = await started();
    const p = engine.embed('lost');
    const old = workers[0];
    old.die('Uncaught Error: simulated engine trap');
    expect(await p).toMatchObject({ ok: false });
    expect(restarts[0]).toMatch(/simulated engine trap/);
    old.reply({ id: old.sent[0].id, result: { ok: true, value: 'too late' } });
    workers[1].reply({ id: 0, ready: true });
    const q = engine.embed('again');
    workers[1].reply({ id: workers[1].sent[0].id, result: { ok: true, value: 'ok' } });
    expect(await q).toEqual({ ok: true, value: 'ok' });
  });

  it('a throwing restart listener does not break the engine', async () => {
    const { engine, workers } = await started();
    engine.onrestart = () => {
      throw new Error('listener bug');
    };
    workers[0].die('boom');
    workers[1].reply({ id: 0, ready: true });
    await expect(engine.ready).resolves.toBeUndefined();
  });
});

describe('typed and pasted text', () => {
  it('accepts any script within the limit and cleans control characters', () => {
    const samples = ['Experts 🧠 route tokens 👩‍👩‍👧', 'الخبراء يوجهون الرموز', 'שלום עולם', 'e\u0301te\u0301', '\u202Ereversed\u202C text', '中文 和 日本語'];
    for (const s of samples) {
      const r = checkText(s, SENTENCE_MAX_CHARS, 'sentence');
      expect(r.ok, s).toBe(true);
    }
    expect(checkText('a\u0000b\u0007c\u001bd\u2028e\tf', SENTENCE_MAX_CHARS)).toEqual({ ok: true, text: 'a b c d e f' });
    expect(checkText('e\u0301', WORD_MAX_CHARS)).toEqual({ ok: true, text: 'é' });
  });

  it('refuses 1 MB of pasted text with a message that gives both lengths', () => {
    const mb = 'x'.repeat(1 << 20);
    const r = checkText(mb, SENTENCE_MAX_CHARS, 'sentence');
    expect(r).toEqual({ ok: false, message: 'This sentence is 1,048,576 characters long; this box takes at most 200. Shorten it and try again.' });
  });

  it('counts emoji as characters, not UTF-16 units, at the edge', () => {
    const emoji = '😀'.repeat(SENTENCE_MAX_CHARS);
    expect(emoji.length).toBe(2 * SENTENCE_MAX_CHARS);
    expect(charCount(emoji)).toBe(SENTENCE_MAX_CHARS);
    expect(checkText(emoji, SENTENCE_MAX_CHARS).ok).toBe(true);
    expect(checkText(emoji + '😀', SENTENCE_MAX_CHARS).ok).toBe(false);
  });

  it('a word box says so while the typed word is already too long, and only then', () => {
    expect(wordTooLong('x'.repeat(WORD_MAX_CHARS))).toBeNull();
    expect(wordTooLong('')).toBeNull(); // blank is refused on submit, not while typing
    expect(wordTooLong('x'.repeat(WORD_MAX_CHARS + 1))).toBe('This word is 41 characters long; this box takes at most 40. Shorten it and try again.');
  });

  it('refuses empty or blank text', () => {
    for (const s of ['', '   ', '\u0000\u0001', '\n\t']) expect(checkText(s, WORD_MAX_CHARS, 'word')).toEqual({ ok: false, message: 'Type some word first.' });
  });

  it('the widest accepted sentence stays far below the engine cap (64 KiB, 4096 tokens)', () => {
    const widest = '𒀀'.repeat(SENTENCE_MAX_CHARS); // 4 UTF-8 bytes each
    expect(new TextEncoder().encode(widest).length).toBeLessThan(65536);
    expect(SENTENCE_MAX_CHARS).toBeLessThan(4096);
  });
});
