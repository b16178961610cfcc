// Hostile text through the real WebAssembly engine (build/wasm): any script and control
// characters are embedded or refused with an error value naming the cap, and the module keeps
// working afterwards.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngineCore } from './wasm-engine';

let core: import('../../web/src/engine/core').EngineCore;
beforeAll(async () => {
  core = await loadEngineCore();
});

describe('embed under hostile text', () => {
  it('any script, control characters and lone surrogates are embedded or refused, never a crash', () => {
    const samples = [
      'Experts 🧠 route tokens 👩‍👩‍👧 🇫🇷',
      'الخبراء يوجهون الرموز',
      '\u202Ereversed\u202C text \u200F',
      'a\u0000b\u0001c\u007f\u0085d',
      'lone \uD800 surrogate \uDFFF',
      'e\u0301\u0301\u0301\u0301',
      '\uFEFF\uFFFE\uFFFF',
      ' \t\n\r ',
      '',
    ];
    for (const s of samples) {
      const r = core.embed(s);
      if (r.ok) {
        expect(r.value.features.length, s).toBe(r.value.tokens.length * 8);
        for (const f of r.value.features) expect(Number.isFinite(f), s).toBe(true);
      } else expect(r.error, s).toMatch(/^text/);
    }
  });

  it('1 MB of text is refused with the cap in the message', () => {
    const r = core.embed('x '.repeat(1 << 19));
    expect(r).toEqual({ ok: false, error: 'text: is 1048576 bytes, above the cap of 65536 bytes (64 KiB)' });
  });

  it('more than 4096 tokens under 64 KiB is refused by the token cap', () => {
    const r = core.embed('a '.repeat(5000));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/4096/);
  });

  it('after all that, the same module still embeds and runs a forward pass', () => {
    const e = core.embed('The router picks 2 experts!');
    if (!e.ok) throw new Error(e.error);
    const T = e.value.tokens.length;
    const spec = {
      config: { d_model: 8, d_ff: 8, num_experts: 4, top_k: 2, router_kind: 'softmax_topk_renorm' as const, activation: 'silu' as const, expert_kind: 'mlp' as const },
      seed: 3,
    };
    const a = core.forward(spec, e.value.features, T);
    if (!a.ok) throw new Error(a.error);
    expect(Array.from(a.value.expert_load as ArrayLike<number>).reduce((x, y) => x + y, 0)).toBe(T * 2);
  });
});
