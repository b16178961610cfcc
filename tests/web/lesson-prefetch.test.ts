// The player asks for the opened lesson and, as soon as its steps arrive, for the code of the widgets
// the learner sees first, and renders a lesson that has arrived at once (web/src/prefetch.ts).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lesson } from '../../web/src/lessons/types';

const lesson: Lesson = {
  id: 'demo',
  title: 'Demo',
  phase: 'p',
  minutes: 5,
  summary: '',
  steps: [
    { id: 'one', title: 'One', blocks: [{ kind: 'prose', html: '<p>x</p>' }, { kind: 'widget', name: 'param-budget', params: {} }] },
    { id: 'two', title: 'Two', blocks: [{ kind: 'widget', name: 'token-walk', params: {} }, { kind: 'widget', name: 'no-such-widget', params: {} }] },
    { id: 'three', title: 'Three', blocks: [{ kind: 'widget', name: 'topk-cut', params: {} }] },
  ],
} as unknown as Lesson;

const loadLesson = vi.fn(async (id: string) => {
  if (id !== 'demo') throw new Error(`there is no lesson "${id}"`);
  return lesson;
});
const loadWidget = vi.fn((name: string) => Promise.reject(new Error(`offline: ${name}`)));

vi.mock('virtual:lesson-loaders', () => ({ loadLesson }));
vi.mock('../../web/src/widgets/registry', async (original) => ({
  ...(await original<typeof import('../../web/src/widgets/registry')>()),
  loadWidget,
}));

const { arrivedLesson, loadLessonAndFirstWidgets } = await import('../../web/src/prefetch');

describe('arrivedLesson', () => {
  it('is the lesson once its steps have arrived (so the player renders it at once), not before', async () => {
    expect(arrivedLesson('demo')).toBeUndefined();
    const loading = loadLessonAndFirstWidgets('demo');
    expect(arrivedLesson('demo')).toBeUndefined();
    await loading;
    expect(arrivedLesson('demo')).toBe(lesson);
  });

  it('a lesson that failed to download has not arrived', async () => {
    await loadLessonAndFirstWidgets('nope').catch(() => {});
    expect(arrivedLesson('nope')).toBeUndefined();
  });
});

describe('loadLessonAndFirstWidgets', () => {
  beforeEach(() => {
    loadWidget.mockClear();
  });

  it("asks for the first step's widgets with the lesson", async () => {
    await expect(loadLessonAndFirstWidgets('demo')).resolves.toBe(lesson);
    expect(loadWidget.mock.calls).toEqual([['param-budget']]);
  });

  it("asks for the opened step's widgets too, and skips names that are not widgets", async () => {
    await loadLessonAndFirstWidgets('demo', 'two');
    expect(loadWidget.mock.calls.map(([name]) => name).sort()).toEqual(['param-budget', 'token-walk']);
  });

  it('an unknown step id falls back to the first step', async () => {
    await loadLessonAndFirstWidgets('demo', 'missing');
    expect(loadWidget.mock.calls).toEqual([['param-budget']]);
  });

  it('a missing lesson rejects with its reason and asks for no widget', async () => {
    await expect(loadLessonAndFirstWidgets('nope')).rejects.toThrow('there is no lesson "nope"');
    expect(loadWidget).not.toHaveBeenCalled();
  });
});
