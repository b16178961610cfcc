// Widget state round-trips through the URL hash, and bad values fall back to defaults.
import { describe, expect, it } from 'vitest';
import { decodeState, defaultState, encodeState, flag, int, ints, text } from '../../web/src/player/url-state';
import { formatQuery, lessonHash, parseHash } from '../../web/src/player/route';
import { tokenWalkState } from '../../web/src/widgets/token-walk/spec';

const spec = { token: int(-1, -1, 50), pred: ints([], 0, 3, 4), word: text('', 10), shown: flag(false) };

describe('url state', () => {
  it('round-trips through a lesson hash', () => {
    const state = { token: 3, pred: [0, 2], word: '', shown: true };
    const hash = lessonHash('walk-one-token', 'predict', encodeState(spec, state));
    expect(hash).toBe('#/lesson/walk-one-token/predict?token=3&pred=0,2&shown=1');
    const route = parseHash(hash);
    expect(route).toMatchObject({ page: 'lesson', lessonId: 'walk-one-token', stepId: 'predict' });
    if (route.page !== 'lesson') throw new Error('not a lesson route');
    expect(decodeState(spec, route.query)).toEqual(state);
  });

  it('leaves defaults out of the link', () => {
    expect(formatQuery(encodeState(spec, defaultState(spec)))).toBe('');
  });

  it('encodes text safely and reads it back', () => {
    const state = { ...defaultState(spec), word: 'a&b=c d' };
    const route = parseHash(lessonHash('x', null, encodeState(spec, state)));
    expect(route.page === 'lesson' && decodeState(spec, route.query).word).toBe('a&b=c d');
  });

  it('falls back to defaults for malformed or out-of-range values', () => {
    const query = new URLSearchParams('token=abc&pred=0,9&word=' + 'x'.repeat(11) + '&shown=yes');
    expect(decodeState(spec, query)).toEqual(defaultState(spec));
    expect(decodeState(spec, new URLSearchParams('token=99'))).toMatchObject({ token: -1 });
    expect(decodeState(spec, new URLSearchParams('token=1.5'))).toMatchObject({ token: -1 });
  });

  it('parses the map and unknown routes as the map', () => {
    expect(parseHash('')).toEqual({ page: 'map' });
    expect(parseHash('#/')).toEqual({ page: 'map' });
    expect(parseHash('#/nowhere')).toEqual({ page: 'map' });
  });

  it('the token-walk table decodes the example link from the design', () => {
    const route = parseHash('#/lesson/walk-one-token/predict?token=3&pred=0,2');
    expect(route.page === 'lesson' && decodeState(tokenWalkState, route.query)).toEqual({
      token: 3,
      word: '',
      pred: [0, 2],
      shown: false,
    });
  });
});
