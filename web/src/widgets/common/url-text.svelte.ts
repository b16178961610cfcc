// A learner's text box whose text is kept in the widget's URL state when it is short enough (as ''
// when it is the lesson's own text), and otherwise only in the page: a long text still runs, it is
// just not in a shared link. While the learner types, the box shows the draft.
export class UrlText {
  /** What the learner has typed since the text was last used; null: the box shows the kept text. */
  draft = $state<string | null>(null);
  /** The last used text, when it was too long for the URL. */
  #long = $state<string | null>(null);

  constructor(
    private readonly limit: number,
    /** The text in the URL state ('' for none). */
    private readonly stored: () => string,
    /** The lesson's own text. */
    private readonly lesson: () => string,
    /** Writes the URL state. */
    private readonly save: (text: string) => void,
  ) {}

  /** The text in the box. */
  get text(): string {
    return this.draft ?? this.#long ?? (this.stored() || this.lesson());
  }

  /** Takes the box's text for a run: kept in the URL if it fits, else in the page; the draft ends. */
  use(): string {
    const text = this.text;
    if (text.length <= this.limit) {
      this.save(text === this.lesson() ? '' : text);
      this.#long = null;
    } else this.#long = text;
    this.draft = null;
    return text;
  }
}
