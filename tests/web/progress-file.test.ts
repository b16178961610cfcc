// Progress export and import (strictly validated, a bad file changes nothing),
// and the migration of the retired walk-one-token lesson onto Phase 2's five.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { emptyProgress, parseProgress } from '../../web/src/player/progress';
import type { Progress } from '../../web/src/player/progress';
import { exportFileName, exportProgress, importProgress } from '../../web/src/player/progress-file';
import { migrateHash, migrateProgress, retiredLessons } from '../../web/src/player/legacy';
import { loadCourseFrom } from '../../web/lesson-plugin';

const sample = (): Progress => ({
  version: 1,
  lessons: {
    'pick-and-predict': { reached: 3, answers: { predict: 1 }, solved: ['predict'], goals: ['predicted-top2'], completed: true },
    'top2-cut': { reached: 2, answers: { softmax: 0 }, solved: [], goals: [], completed: false },
  },
  last: { lessonId: 'top2-cut', hash: '#/lesson/top2-cut/top2?token=4' },
});

describe('progress export and import', () => {
  it('round-trips', () => {
    const text = exportProgress(sample(), new Date('2025-03-04T10:00:00Z'));
    expect(JSON.parse(text)).toMatchObject({ format: 'moe-tutor-progress', version: 1, exportedAt: '2025-03-04T10:00:00.000Z' });
    expect(importProgress(text)).toEqual({ ok: true, progress: sample() });
    expect(exportFileName(new Date('2025-03-04T10:00:00Z'))).toBe('moe-tutor-progress-2025-03-04.json');
  });

  it('rejects bad files with a readable reason', () => {
    const good = JSON.parse(exportProgress(sample()));
    const cases: [string, RegExp][] = [
      ['{oops', /not JSON/],
      ['[1,2]', /not a MoE Tutor progress file/],
      [JSON.stringify({ ...good, format: 'something-else' }), /not a MoE Tutor progress file/],
      [JSON.stringify({ ...good, version: 9 }), /version 9; this tutor reads version 1/],
      [JSON.stringify({ ...good, progress: { lessons: [] } }), /no "progress.lessons" object/],
      [
        JSON.stringify({ ...good, progress: { ...good.progress, lessons: { x: { ...good.progress.lessons['top2-cut'], reached: 0 } } } }),
        /progress\.lessons\.x\.reached: must be a whole number of at least 1/,
      ],
      [
        JSON.stringify({ ...good, progress: { ...good.progress, lessons: { x: { ...good.progress.lessons['top2-cut'], solved: 'all' } } } }),
        /lessons\.x\.solved: must be a list/,
      ],
      [JSON.stringify({ ...good, progress: { ...good.progress, last: { lessonId: 'x', hash: 'javascript:alert(1)' } } }), /progress\.last/],
    ];
    for (const [text, reason] of cases) {
      const result = importProgress(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.error, text).toMatch(reason);
    }
  });
});

describe('migration of the retired walk-one-token lesson', () => {
  it('the frozen map names real lessons and steps of Phase 2, in path order', () => {
    const { course } = loadCourseFrom(fileURLToPath(new URL('../../lessons', import.meta.url)));
    const retired = retiredLessons['walk-one-token'];
    expect(retired.into.map((l) => l.lessonId)).toEqual(course.phases.find((p) => p.id === 'one-token')!.lessons.map((l) => l.id));
    for (const { lessonId, steps } of retired.into) expect(course.lessons[lessonId].steps.map((s) => s.id)).toEqual(steps);
    for (const [step, lessonId] of Object.entries(retired.steps)) {
      expect(course.lessons[lessonId].steps.map((s) => s.id), step).toContain(step);
    }
    expect(fs.existsSync(fileURLToPath(new URL('../../lessons/walk-one-token.md', import.meta.url)))).toBe(false);
  });

  it('a learner who completed walk-one-token keeps credit for all five lessons', () => {
    const stored = JSON.stringify({
      version: 1,
      lessons: {
        'walk-one-token': {
          reached: 9,
          answers: { 'pick-token': 1, predict: 1, logits: 1, gates: 1, combine: 1 },
          solved: ['pick-token', 'predict', 'logits', 'gates', 'combine'],
          goals: ['predicted-top2'],
          completed: true,
        },
      },
      last: { lessonId: 'walk-one-token', hash: '#/lesson/walk-one-token/combine?token=4&pred=2,3' },
    });
    const progress = parseProgress(stored);
    expect(Object.keys(progress.lessons)).toEqual(['pick-and-predict', 'gating-logits', 'top2-cut', 'silent-experts', 'weighted-sum']);
    for (const lesson of Object.values(progress.lessons)) expect(lesson.completed).toBe(true);
    expect(progress.lessons['pick-and-predict']).toEqual({
      reached: 3,
      answers: { 'pick-token': 1, predict: 1 },
      solved: ['pick-token', 'predict'],
      goals: ['predicted-top2'],
      completed: true,
    });
    expect(progress.lessons['top2-cut']).toMatchObject({ reached: 4, answers: { gates: 1 }, solved: ['gates'] });
    expect(progress.last).toEqual({ lessonId: 'weighted-sum', hash: '#/lesson/weighted-sum/combine?token=4&pred=2,3' });
  });

  it('a learner halfway through keeps the steps opened and the answers given', () => {
    const progress = migrateProgress({
      ...emptyProgress(),
      lessons: {
        'walk-one-token': { reached: 5, answers: { logits: 1 }, solved: ['logits'], goals: [], completed: false },
        // Work already done in a new lesson is merged, not overwritten.
        'gating-logits': { reached: 1, answers: { embedding: 0 }, solved: [], goals: [], completed: false },
      },
    });
    expect(progress.lessons['pick-and-predict']).toMatchObject({ reached: 2, completed: false });
    expect(progress.lessons['gating-logits']).toEqual({
      reached: 2,
      answers: { embedding: 0, logits: 1 },
      solved: ['logits'],
      goals: [],
      completed: false,
    });
    expect(progress.lessons['top2-cut']).toMatchObject({ reached: 1, completed: false });
    expect(progress.lessons['walk-one-token']).toBeUndefined();
  });

  it('old links open the lesson that now holds their step', () => {
    expect(migrateHash('#/lesson/walk-one-token/logits?token=4')).toBe('#/lesson/gating-logits/logits?token=4');
    expect(migrateHash('#/lesson/walk-one-token/top2')).toBe('#/lesson/top2-cut/top2');
    expect(migrateHash('#/lesson/walk-one-token')).toBe('#/lesson/pick-and-predict');
    expect(migrateHash('#/lesson/walk-one-token/nonsense?token=2')).toBe('#/lesson/pick-and-predict?token=2');
    expect(migrateHash('#/lesson/top2-cut/top2')).toBeNull();
    expect(migrateHash('#/')).toBeNull();
  });

  it('imported files from before the split are migrated too', () => {
    const old = { ...emptyProgress(), lessons: { 'walk-one-token': { reached: 9, answers: {}, solved: [], goals: [], completed: true } } };
    const result = importProgress(exportProgress(old));
    expect(result.ok && Object.values(result.progress.lessons).every((l) => l.completed)).toBe(true);
  });
});
