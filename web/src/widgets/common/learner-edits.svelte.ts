// For a widget whose goals must come from the learner's own changes, never from the answer the
// page shows on arrival: `change` hands a state patch to the player and remembers that the learner
// made one.
export class LearnerEdits<S> {
  /** The learner has changed a setting since the widget appeared. */
  touched = $state(false);

  constructor(private readonly setState: (patch: Partial<S>) => void) {}

  readonly change = (patch: Partial<S>): void => {
    this.touched = true;
    this.setState(patch);
  };
}
