// The inline theme script (web/theme-boot.js): the CSP allows it by its hash, the page template
// gets it in place of its placeholder, and it picks the theme by the same rule as the player.
import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { themeBoot, themeBootScript } from '../../web/theme-boot-plugin';
import { contentSecurityPolicy, metaContentSecurityPolicy, themeBootHash } from '../../web/src/security-policy';
import { THEME_KEY } from '../../web/src/player/theme';

type Transform = (html: string) => string;
const inline = themeBoot.transformIndexHtml as Transform;

/** The theme the script writes to <html data-theme>, given the stored pick and the system setting. */
function bootTheme(stored: string | null | Error, systemDark: boolean): string | undefined {
  const dataset: { theme?: string } = {};
  runInNewContext(themeBootScript, {
    localStorage: {
      getItem: (key: string) => {
        if (stored instanceof Error) throw stored;
        return key === THEME_KEY ? stored : null; // the key the player's theme toggle writes
      },
    },
    matchMedia: (query: string) => ({ matches: query === '(prefers-color-scheme: dark)' && systemDark }),
    document: { documentElement: { dataset } },
  });
  return dataset.theme;
}

describe('the inline theme script', () => {
  it('is allowed by the CSP through its exact SHA-256, and nothing else inline is', () => {
    const hash = `'sha256-${createHash('sha256').update(themeBootScript).digest('base64')}'`;
    expect(themeBootHash, 'web/theme-boot.js changed: put this hash in src/security-policy.ts').toBe(hash);
    for (const policy of [contentSecurityPolicy, metaContentSecurityPolicy]) {
      expect(policy).toContain(`script-src 'self' 'wasm-unsafe-eval' ${hash};`);
      expect(policy).not.toContain("'unsafe-inline' ;");
      expect(policy.match(/script-src [^;]*/)![0]).not.toContain('unsafe-inline');
    }
  });

  it('replaces the page template’s placeholder, and a template without one fails the build', () => {
    const page = inline('<body>\n<script data-theme-boot></script>\n<div id="app"></div></body>');
    expect(page).toBe(`<body>\n<script>${themeBootScript}</script>\n<div id="app"></div></body>`);
    expect(() => inline('<body><div id="app"></div></body>')).toThrow(/no <script data-theme-boot><\/script>/);
  });

  it('uses the stored pick, else the system setting, and survives blocked storage', () => {
    expect(bootTheme('dark', false)).toBe('dark');
    expect(bootTheme('light', true)).toBe('light');
    expect(bootTheme(null, true)).toBe('dark');
    expect(bootTheme(null, false)).toBe('light');
    expect(bootTheme(new Error('SecurityError'), true)).toBe('dark');
  });
});
