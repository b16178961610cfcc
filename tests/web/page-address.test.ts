// Lesson pages have their own addresses (`<root>lesson/<id>/#<step>?<state>`), while the player,
// stored progress and old links speak route keys (`#/lesson/<id>/<step>?<state>`): the two convert
// both ways, from any folder a host serves the course from.
import { describe, expect, it } from 'vitest';
import { addressOf, appRootOf, keyOfAddress, parseHash } from '../../web/src/player/route';
import { migrateHash } from '../../web/src/player/legacy';

describe('page addresses', () => {
  it('finds the course folder from the map and from a lesson page', () => {
    expect(appRootOf('/')).toBe('/');
    expect(appRootOf('/index.html')).toBe('/');
    expect(appRootOf('/lesson/top2-cut/')).toBe('/');
    expect(appRootOf('/moe-tutor/')).toBe('/moe-tutor/');
    expect(appRootOf('/moe-tutor/lesson/top2-cut/')).toBe('/moe-tutor/');
    expect(appRootOf('/moe-tutor/lesson/top2-cut/index.html')).toBe('/moe-tutor/');
  });

  it('reads a lesson page address as the route key the player always used', () => {
    expect(keyOfAddress('/moe-tutor/lesson/top2-cut/', '#top2?token=4&pred=0,2')).toBe('#/lesson/top2-cut/top2?token=4&pred=0,2');
    expect(keyOfAddress('/lesson/top2-cut/', '#?token=4')).toBe('#/lesson/top2-cut?token=4');
    expect(keyOfAddress('/lesson/top2-cut/', '')).toBe('#/lesson/top2-cut');
    expect(keyOfAddress('/moe-tutor/', '')).toBe('#/');
  });

  it('keeps an old #/lesson/... link (or a key in lesson prose) whatever page it was opened on', () => {
    expect(keyOfAddress('/moe-tutor/', '#/lesson/gating-logits/logits?token=3')).toBe('#/lesson/gating-logits/logits?token=3');
    expect(keyOfAddress('/lesson/eval-and-serving/', '#/lesson/dense-cost')).toBe('#/lesson/dense-cost');
  });

  it('writes a route key as the lesson page address under the course folder, and back', () => {
    const keys = ['#/lesson/top2-cut/top2?token=4&pred=0,2', '#/lesson/top2-cut?token=4', '#/lesson/top2-cut/softmax', '#/lesson/dense-cost'];
    for (const root of ['/', '/moe-tutor/', '../../']) {
      for (const key of keys) {
        const address = addressOf(key, root);
        expect(address.startsWith(`${root}lesson/`), address).toBe(true);
        const [path, hash = ''] = address.split('#');
        expect(keyOfAddress(path, hash ? `#${hash}` : ''), address).toBe(key);
      }
    }
    expect(addressOf('#/lesson/top2-cut/top2?token=4', '/moe-tutor/')).toBe('/moe-tutor/lesson/top2-cut/#top2?token=4');
    expect(addressOf('#/', '/moe-tutor/')).toBe('/moe-tutor/');
  });

  it('leaves out of the address what the route ignores: a damaged lesson part, an over-long query', () => {
    expect(addressOf('#/lesson/%E0%A4%A', '/')).toBe('/');
    expect(parseHash('#/lesson/%E0%A4%A').notice).toBeTruthy();
    expect(addressOf(`#/lesson/idle-experts?ih_text=${'a'.repeat(20_000)}`, '/')).toBe('/lesson/idle-experts/');
  });

  it('moves a retired lesson link to the page of the lesson that now holds the step', () => {
    const key = keyOfAddress('/', '#/lesson/walk-one-token/top2?token=4');
    expect(addressOf(migrateHash(key) ?? key, '/')).toBe('/lesson/top2-cut/#top2?token=4');
  });
});
