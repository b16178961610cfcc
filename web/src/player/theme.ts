// Light or dark: follows prefers-color-scheme until the learner picks one with
// the header toggle; the pick is remembered in localStorage and applied as
// <html data-theme="…"> (app.css reads it) before the app mounts, so there is no flash.
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

export function applyTheme(theme: Theme | null): void {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

export function saveTheme(theme: Theme): void {
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // Blocked storage: the choice lasts for this visit.
  }
  applyTheme(theme);
}
