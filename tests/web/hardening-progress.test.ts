// Saved progress under bad conditions: corrupt JSON, an older schema, a newer one, a full
// storage and a blocked one. The tutor keeps working, keeps what can be kept (migrated), backs up
// what it cannot read, and produces a notice whenever the learner should know.
import { describe, expect, it } from 'vitest';
import { PROGRESS_KEY, emptyProgress, loadProgress } from '../../web/src/player/progress';
import type { Progress } from '../../web/src/player/progress';
import {
  PROGRESS_BACKUP_KEY,
  blockedNotice,
  damagedNotice,
  fullNotice,
  loadProgressReport,
  newerNotice,
  saveProgressReport,
  unsavedNotice,
} from '../../web/src/player/progress-safety';

class MemoryStorage {
  map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, String(v));
  }
}

function quotaError(): Error {
  const e = new Error('The quota has been exceeded.');
  e.name = 'QuotaExceededError';
  return e;
}

/** Storage that holds at most `limit` characters in all. */
class SmallStorage extends MemoryStorage {
  constructor(private readonly limit: number) {
    super();
  }
  override setItem(k: string, v: string) {
    let used = 0;
    for (const [key, value] of this.map) if (key !== k) used += key.length + value.length;
    if (used + k.length + v.length > this.limit) throw quotaError();
    super.setItem(k, v);
  }
}

const sample = (): Progress => ({
  version: 1,
  lessons: { 'gating-logits': { reached: 2, answers: { logits: 1 }, solved: ['logits'], goals: [], completed: false } },
  last: { lessonId: 'gating-logits', hash: '#/lesson/gating-logits/logits' },
});

describe('loading progress', () => {
  it('reads good progress with no notice', () => {
    const s = new MemoryStorage();
    s.setItem(PROGRESS_KEY, JSON.stringify(sample()));
    expect(loadProgressReport(s)).toEqual({ progress: sample(), notice: null, migrated: false });
  });

  it('a first visit is quiet', () => {
    expect(loadProgressReport(new MemoryStorage())).toEqual({ progress: emptyProgress(), notice: null, migrated: false });
  });

  it('corrupt JSON starts fresh, keeps a copy and says so', () => {
    for (const bad of ['{"version":1,"lessons":{', '\u0000\u0001garbage', 'undefined', '[1,2,3]', '"text"', '{"version":1,"lessons":[]}']) {
      const s = new MemoryStorage();
      s.setItem(PROGRESS_KEY, bad);
      const r = loadProgressReport(s);
      expect(r.progress, bad).toEqual(emptyProgress());
      expect(r.notice, bad).toBe(damagedNotice);
      expect(s.getItem(PROGRESS_BACKUP_KEY), bad).toBe(bad);
    }
  });

  it('an older schema (no version, or version 0) is kept and migrated, retired lessons included', () => {
    const old = {
      lessons: {
        'walk-one-token': { reached: 4, answers: { logits: 2, predict: 1 }, solved: ['logits'], goals: ['predicted-top2'], completed: false },
        'dense-cost': { reached: 3, answers: {}, solved: [], goals: [], completed: true },
      },
      last: { lessonId: 'walk-one-token', hash: '#/lesson/walk-one-token/logits?token=4' },
    };
    for (const version of [undefined, 0]) {
      const s = new MemoryStorage();
      s.setItem(PROGRESS_KEY, JSON.stringify(version === undefined ? old : { ...old, version }));
      const r = loadProgressReport(s);
      expect(r.notice).toBeNull();
      expect(r.migrated).toBe(true);
      expect(r.progress.version).toBe(1);
      expect(r.progress.lessons['dense-cost'].completed).toBe(true);
      expect(r.progress.lessons['walk-one-token']).toBeUndefined();
      expect(r.progress.lessons['gating-logits'].answers).toEqual({ logits: 2 });
      expect(r.progress.lessons['gating-logits'].solved).toEqual(['logits']);
      expect(r.progress.lessons['pick-and-predict'].goals).toEqual(['predicted-top2']);
      expect(r.progress.last).toEqual({ lessonId: 'gating-logits', hash: '#/lesson/gating-logits/logits?token=4' });
    }
    // The silent loader of progress.ts alone would have dropped all of it.
    const s = new MemoryStorage();
    s.setItem(PROGRESS_KEY, JSON.stringify(old));
    expect(loadProgress(s)).toEqual(emptyProgress());
  });

  it('progress from a newer tutor is not overwritten unseen: it is backed up and the learner told', () => {
    const s = new MemoryStorage();
    const newer = JSON.stringify({ version: 7, lessons: { x: {} } });
    s.setItem(PROGRESS_KEY, newer);
    const r = loadProgressReport(s);
    expect(r.progress).toEqual(emptyProgress());
    expect(r.notice).toBe(newerNotice);
    expect(s.getItem(PROGRESS_BACKUP_KEY)).toBe(newer);
  });

  it('blocked storage (getItem throws, or no storage at all) starts fresh and says so', () => {
    const blocked = {
      getItem: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    };
    expect(loadProgressReport(blocked)).toEqual({ progress: emptyProgress(), notice: blockedNotice, migrated: false });
    expect(loadProgressReport(undefined).notice).toBe(blockedNotice);
  });

  it('a huge stored value is read without trouble', () => {
    const s = new MemoryStorage();
    const p = sample();
    for (let i = 0; i < 20_000; i++) p.lessons[`lesson-${i}`] = { reached: 1, answers: {}, solved: [], goals: [], completed: false };
    s.setItem(PROGRESS_KEY, JSON.stringify(p));
    expect(Object.keys(loadProgressReport(s).progress.lessons).length).toBe(20_001);
  });
});

describe('saving progress', () => {
  it('a good save reports nothing and round-trips', () => {
    const s = new MemoryStorage();
    expect(saveProgressReport(s, sample())).toBeNull();
    expect(loadProgressReport(s).progress).toEqual(sample());
  });

  it('a full storage (QuotaExceededError) is reported, the stored copy stays as it was, the next good save clears it', () => {
    const s = new SmallStorage(400);
    expect(saveProgressReport(s, sample())).toBeNull();
    const before = s.getItem(PROGRESS_KEY);
    const big = sample();
    for (let i = 0; i < 50; i++) big.lessons[`lesson-${i}`] = { reached: 1, answers: {}, solved: [], goals: [], completed: false };
    expect(saveProgressReport(s, big)).toBe(fullNotice);
    expect(s.getItem(PROGRESS_KEY)).toBe(before);
    expect(saveProgressReport(s, sample())).toBeNull();
  });

  it('a write refused for another reason, or no storage, is reported too', () => {
    const refusing = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    };
    expect(saveProgressReport(refusing, sample())).toBe(unsavedNotice);
    expect(saveProgressReport(undefined, sample())).toBe(unsavedNotice);
  });

  it('a legacy quota error (code 22, Firefox name) counts as full', () => {
    const legacy = {
      getItem: () => null,
      setItem: () => {
        throw Object.assign(new Error('full'), { name: 'NS_ERROR_DOM_QUOTA_REACHED', code: 1014 });
      },
    };
    expect(saveProgressReport(legacy, sample())).toBe(fullNotice);
  });
});
