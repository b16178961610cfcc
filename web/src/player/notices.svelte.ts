// Notices the player shows above the page when something went wrong but the tutor kept working:
// a link whose settings could not be used, progress that could not be read or saved, an engine
// that stopped and was restarted. Keyed, so the same problem is shown once, and dismissable.

export interface Notice {
  key: string;
  text: string;
}

export class Notices {
  list: Notice[] = $state([]);

  /** Shows `text` under `key`, replacing an earlier notice with the same key. */
  show(key: string, text: string): void {
    const i = this.list.findIndex((n) => n.key === key);
    if (i >= 0) this.list[i] = { key, text };
    else this.list.push({ key, text });
  }

  dismiss(key: string): void {
    this.list = this.list.filter((n) => n.key !== key);
  }
}

/** The player's one set of notices (App.svelte shows them). */
export const notices = new Notices();
