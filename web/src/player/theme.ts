// Light or dark: follows prefers-color-scheme until the learner picks one with
// the header toggle; the pick is remembered in localStorage. The theme in effect is
// always written to <html data-theme="…"> before the app mounts (no flash), so app.css
// keeps one set of dark colours instead of a second copy under a media query.
export type Theme = 'light' | 'dark';
export const THEME_KEY = 'moe-tutor:theme';

export function storedTheme(): Theme | null {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : null;
  } catch {
    return null;
  }
}

export function systemTheme(): Theme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The learner's pick, or the system's setting when there is none. */
export function effectiveTheme(): Theme {
  return storedTheme() ?? systemTheme();
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

export function saveTheme(theme: Theme): void {
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // Blocked storage: the choice lasts for this visit.
  }
  applyTheme(theme);
}
