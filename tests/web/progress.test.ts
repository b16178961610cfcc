// Stored progress: versioned, tolerant of anything odd in localStorage.
import { describe, expect, it } from 'vitest';
import { PROGRESS_KEY, emptyProgress, loadProgress, parseProgress, saveProgress } from '../../web/src/player/progress';

describe('progress', () => {
  it('round-trips through storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const progress = emptyProgress();
    progress.lessons['gating-logits'] = { reached: 2, answers: { logits: 1 }, solved: ['logits'], goals: [], completed: false };
    progress.last = { lessonId: 'gating-logits', hash: '#/lesson/gating-logits/logits?token=3' };
    saveProgress(storage, progress);
    expect(JSON.parse(store.get(PROGRESS_KEY)!).version).toBe(1);
    expect(loadProgress(storage)).toEqual(progress);
  });

  it('starts fresh on corrupt JSON, a wrong version or a wrong shape, without throwing', () => {
    for (const raw of ['{not json', 'null', '[]', '42', '{"version":2,"lessons":{}}', '{"version":1}', '{"version":1,"lessons":[]}']) {
      expect(parseProgress(raw), raw).toEqual(emptyProgress());
    }
  });

  it('keeps the good parts of a partly damaged record', () => {
    const raw = JSON.stringify({
      version: 1,
      lessons: { a: { reached: 'x', answers: { q: 1, r: 'no' }, solved: [1, 'q'], goals: 'nope', completed: 'yes' }, b: 7 },
      last: { lessonId: 'a', hash: 'javascript:alert(1)' },
    });
    expect(parseProgress(raw)).toEqual({
      version: 1,
      lessons: { a: { reached: 1, answers: { q: 1 }, solved: ['q'], goals: [], completed: false } },
      last: null,
    });
  });

  it('survives storage that throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    expect(loadProgress(broken)).toEqual(emptyProgress());
    expect(() => saveProgress(broken, emptyProgress())).not.toThrow();
  });
});
