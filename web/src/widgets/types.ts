// What every widget receives from the lesson player.
import type { Engine } from '../engine';
import type { GoalRecord, RecordedResults } from '../player/progress';
import type { AnyState } from '../player/url-state';

export interface WidgetProps<Params = Record<string, unknown>, State extends AnyState = AnyState> {
  /** The block's params merged over the lesson's shared ones, already validated. */
  params: Params;
  engine: Engine;
  /** The widget's persisted state (mirrored in the URL); change it only through setState. */
  persisted: State;
  setState: (patch: Partial<State>) => void;
  /**
   * Declares a goal met, e.g. score('predicted-top2'); the player records it. The only way a widget
   * reports progress: a quiz attempt or a checked design comes with its goal as `record`.
   */
  score: (goal: string, record?: GoalRecord) => void;
  /** Quiz results and the last checked design as recorded so far (read only). */
  results: RecordedResults;
}
