// Pure helpers of the Phase 1 widgets: number formatting, typed-number parsing, URL weights.
import { describe, expect, it } from 'vitest';
import { compact, compactWords, grouped, parseWhole, withDefaults } from '../../web/src/widgets/common/numbers';
import { routerMatrixState, routerWeights, storeWeights } from '../../web/src/widgets/router-matrix/spec';
import { activationOf } from '../../web/src/widgets/expert-ffn/spec';
import { expertCount } from '../../web/src/widgets/idle-heatmap/spec';

describe('phase 1 helpers', () => {
  it('formats large counts compactly', () => {
    expect(compact(46702792704)).toBe('46.7B');
    expect(compact(1056)).toBe('1.06K');
    expect(compact(544)).toBe('544');
    expect(compact(100e9)).toBe('100B');
    expect(compactWords(12879925248)).toBe('12.9 billion');
    expect(grouped(12879925248)).toBe('12\u2009879\u2009925\u2009248');
  });

  it('accepts only whole numbers in range', () => {
    expect(parseWhole(' 64 ', 1, 1024)).toBe(64);
    expect(parseWhole('0', 1, 1024)).toBeNull();
    expect(parseWhole('2.5', 1, 1024)).toBeNull();
    expect(parseWhole('', 1, 1024)).toBeNull();
  });

  it('round-trips router weights through URL hundredths and falls back on a bad size', () => {
    const params = { experts: ['a', 'b'], router: [[1, 2, 3, 4, 5, -1, -2, 0.25], [0, 0, 0, 0, 0, 0, 0, 1]], words: ['x'], top_k: 1, seed: 1 };
    const stored = storeWeights(params.router);
    expect(stored[7]).toBe(25);
    expect(routerWeights(params, stored)).toEqual(params.router);
    expect(routerWeights(params, [1, 2, 3])).toEqual(params.router);
  });

  it('fills missing state and snaps unknown values', () => {
    expect(withDefaults(routerMatrixState, {})).toEqual({ rm_word: '', rm_w: [], rm_cell: 0 });
    expect(activationOf('tanh')).toBe('relu');
    expect(expertCount(5)).toBe(8);
  });
});
