// What every widget receives from the lesson player.
import type { Engine } from '../engine';
import type { AnyState } from '../player/url-state';

export interface WidgetProps<Params = Record<string, unknown>, State extends AnyState = AnyState> {
  /** The block's params merged over the lesson's shared ones, already validated. */
  params: Params;
  engine: Engine;
  /** The widget's persisted state (mirrored in the URL); change it only through setState. */
  persisted: State;
  setState: (patch: Partial<State>) => void;
  /** Declares a goal met, e.g. score('predicted-top2'); the player records it. */
  score: (goal: string) => void;
}
