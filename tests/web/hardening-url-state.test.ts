// Hostile links: huge numbers, NaN, negative sizes, unknown keys, __proto__/constructor keys,
// malformed escapes and multi-megabyte hashes give safe defaults and a notice, never a throw or
// a hang.
import { describe, expect, it } from 'vitest';
import { decodeState, decodeStateReport, defaultState, int, ints, stateNotice, text, flag } from '../../web/src/player/url-state';
import { MAX_HASH_LENGTH, parseHash, longLinkNotice, damagedLinkNotice } from '../../web/src/player/route';
import { migrateHash } from '../../web/src/player/legacy';
import { idleHeatmapState } from '../../web/src/widgets/idle-heatmap/spec';
import { tokenWalkState } from '../../web/src/widgets/token-walk/spec';

const spec = { token: int(-1, -1, 50), pred: ints([], 0, 3, 4), word: text('', 10), shown: flag(false), size: int(8, 1, 64) };

const q = (s: string) => new URLSearchParams(s);

describe('hostile URL state', () => {
  it('huge numbers, NaN, Infinity, exponents, negative sizes and floats fall back to defaults', () => {
    const bad = [
      'size=1e400',
      'size=99999999999999999999999999',
      'size=NaN',
      'size=Infinity',
      'size=-Infinity',
      'size=-8',
      'size=0',
      'size=8.5',
      'size=0x10',
      'size=+8',
      'size= 8',
      'size=8%00',
      'size=',
      'size=%F0%9F%98%80',
      'pred=0,NaN',
      'pred=0,,2',
      'pred=-1',
      'pred=0,1,2,3,0',
      `pred=${'0,'.repeat(500_000)}0`,
      'token=-0x1',
      'shown=true',
    ];
    for (const raw of bad) {
      const report = decodeStateReport(spec, q(raw));
      expect(report.state, raw).toEqual(defaultState(spec));
      expect(report.rejected.length, raw).toBe(1);
      expect(stateNotice(report), raw).toMatch(/could not use/);
    }
  });

  it('good values are taken and raise no notice', () => {
    const report = decodeStateReport(spec, q('size=64&pred=0,3&token=-1&word=hi&shown=1'));
    expect(report.state).toEqual({ token: -1, pred: [0, 3], word: 'hi', shown: true, size: 64 });
    expect(report.rejected).toEqual([]);
    expect(stateNotice(report)).toBeNull();
  });

  it('unknown keys and prototype keys are ignored, reported, and never reach the state object', () => {
    const raw = '__proto__=1&constructor=2&prototype=3&toString=4&hasOwnProperty=x&__proto__[polluted]=1&size=16';
    const report = decodeStateReport(spec, q(raw));
    expect(report.state).toEqual({ ...defaultState(spec), size: 16 });
    expect(Object.getPrototypeOf(report.state)).toBe(Object.prototype);
    expect(Object.keys(report.state).sort()).toEqual(Object.keys(spec).sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(report.unknown).toEqual(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__proto__[polluted]']);
    expect(stateNotice(report)).toMatch(/ignored “__proto__”, “constructor”, “prototype”, “toString” and 2 more/);
    // Keys of other widgets (shared along a phase) are fine to carry.
    expect(decodeStateReport(spec, q('ih_e=8&size=2'), Object.keys(idleHeatmapState)).unknown).toEqual([]);
  });

  it('a key named in the notice is cut short, so a hostile key cannot flood the page', () => {
    const notice = stateNotice(decodeStateReport(spec, q(`${'k'.repeat(100_000)}=1`)))!;
    expect(notice.length).toBeLessThan(200);
  });

  it('text past its cap, control characters and odd scripts are handled', () => {
    expect(decodeState(spec, q(`word=${'x'.repeat(1_000_000)}`)).word).toBe('');
    expect(decodeState(spec, q('word=%E2%80%AEabc')).word).toBe('\u202Eabc');
    expect(decodeState(spec, q('word=%F0%9F%98%80')).word).toBe('😀');
  });

  it('the real widget tables survive the same links', () => {
    for (const table of [idleHeatmapState, tokenWalkState]) {
      const report = decodeStateReport(table, q('ih_e=1e9&ih_k=-5&ih_text=' + 'a'.repeat(5000) + '&token=NaN&pred=9,9,9&__proto__=x'));
      expect(report.state).toEqual(defaultState(table));
    }
  });
});

describe('hostile hashes', () => {
  it('malformed percent escapes never throw', () => {
    for (const hash of ['#/lesson/%E0%A4%A', '#/lesson/x/%', '#/%zz', '#/lesson/%uD800', '#/lesson/gating-logits/%C0%AF']) {
      expect(() => parseHash(hash), hash).not.toThrow();
      expect(parseHash(hash)).toMatchObject({ page: 'map', notice: damagedLinkNotice });
      expect(() => migrateHash(hash)).not.toThrow();
    }
  });

  it('a multi-megabyte hash opens the lesson with default settings and a notice (no hang: the test timeout)', () => {
    const huge = `#/lesson/gating-logits/logits?token=3&pred=${'0,'.repeat(3_000_000)}`;
    expect(huge.length).toBeGreaterThan(MAX_HASH_LENGTH);
    const route = parseHash(huge);
    expect(route).toMatchObject({ page: 'lesson', lessonId: 'gating-logits', stepId: 'logits', notice: longLinkNotice });
    expect(route.page === 'lesson' && [...route.query.keys()]).toEqual([]);
    expect(() => migrateHash(huge)).not.toThrow();
  });

  it('a multi-megabyte lesson id goes to the map with a notice', () => {
    expect(parseHash(`#/lesson/${'a'.repeat(2_000_000)}`)).toEqual({ page: 'map', notice: damagedLinkNotice });
  });

  it('ordinary links are unchanged and carry no notice', () => {
    expect(parseHash('#/lesson/gating-logits/logits?token=3&pred=0,2')).toEqual({
      page: 'lesson',
      lessonId: 'gating-logits',
      stepId: 'logits',
      query: q('token=3&pred=0,2'),
    });
    expect(parseHash('#/')).toEqual({ page: 'map' });
  });
});
