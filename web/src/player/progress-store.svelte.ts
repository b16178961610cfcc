// Reactive progress for the player: the plain data of progress.ts in a
// $state, saved to localStorage after every change.
import { emptyLessonProgress, emptyProgress, loadProgress, saveProgress } from './progress';
import type { LessonProgress, Progress } from './progress';

const storage = (): Storage | undefined => (typeof localStorage === 'undefined' ? undefined : localStorage);

export class ProgressStore {
  data: Progress = $state(loadProgress(storage()));

  /** Read-only view; lessons never visited read as fresh. */
  lesson(lessonId: string): LessonProgress {
    return this.data.lessons[lessonId] ?? emptyLessonProgress();
  }

  reach(lessonId: string, steps: number): void {
    this.update(lessonId, (l) => {
      l.reached = Math.max(l.reached, steps);
    });
  }

  answer(lessonId: string, checkId: string, option: number, correct: boolean): void {
    this.update(lessonId, (l) => {
      l.answers[checkId] = option;
      if (correct && !l.solved.includes(checkId)) l.solved.push(checkId);
    });
  }

  goal(lessonId: string, goal: string): void {
    this.update(lessonId, (l) => {
      if (!l.goals.includes(goal)) l.goals.push(goal);
    });
  }

  complete(lessonId: string): void {
    this.update(lessonId, (l) => {
      l.completed = true;
    });
  }

  visit(lessonId: string, hash: string): void {
    if (this.data.last?.hash === hash) return;
    this.data.last = { lessonId, hash };
    saveProgress(storage(), $state.snapshot(this.data) as Progress);
  }

  /** Replaces everything, e.g. with an imported file (already validated). */
  replaceAll(progress: Progress): void {
    this.data = progress;
    saveProgress(storage(), $state.snapshot(this.data) as Progress);
  }

  /** Forgets everything: lessons, answers, and where the learner left off. */
  reset(): void {
    this.replaceAll(emptyProgress());
  }

  private update(lessonId: string, change: (lesson: LessonProgress) => void): void {
    this.data.lessons[lessonId] ??= emptyLessonProgress();
    change(this.data.lessons[lessonId]);
    saveProgress(storage(), $state.snapshot(this.data) as Progress);
  }
}
