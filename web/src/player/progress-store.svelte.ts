// Reactive progress for the player: the plain data of progress.ts in a
// $state, saved to localStorage after every change.
// What could not be read or saved is shown to the learner as a notice (progress-safety.ts).
import { emptyLessonProgress, emptyProgress, withRecord } from './progress';
import type { GoalRecord, LessonProgress, Progress, RecordedResults } from './progress';
import { loadProgressReport, saveProgressReport } from './progress-safety';
import { notices } from './notices.svelte';

import { localStore as storage } from './storage';

function loadReported(): Progress {
  const report = loadProgressReport(storage());
  if (report.notice) notices.show('progress-load', report.notice);
  return report.progress;
}

function saveProgress(target: Storage | undefined, progress: Progress): void {
  if (!target) return; // no storage at all: the load notice already said so
  const problem = saveProgressReport(target, progress);
  if (problem) notices.show('progress-save', problem);
  else if (notices.list.some((n) => n.key === 'progress-save')) notices.dismiss('progress-save');
}

export class ProgressStore {
  data: Progress = $state(loadReported());

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

  /** A widget's goal met, with the quiz attempt or design it reports (every attempt counts, the goal once). */
  goal(lessonId: string, goal: string, record?: GoalRecord): void {
    if (record) this.data = withRecord(this.data, record);
    this.update(lessonId, (l) => {
      if (!l.goals.includes(goal)) l.goals.push(goal);
    });
  }

  /** Quiz results and the last design, for the widgets that show them. */
  get results(): RecordedResults {
    return { quizzes: this.data.quizzes, design: this.data.design };
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
