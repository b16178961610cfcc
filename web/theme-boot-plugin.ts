// Vite plugin (dev and build): puts web/theme-boot.js inline in <head>, where index.html has
// `<script data-theme-boot></script>`. It sets <html data-theme> from the learner's stored pick, or
// the system's, before the first paint (the rule of src/player/theme.ts, which takes over once the
// player has loaded). Inline, not `<script src>`: a classic external script stops the parser until
// it has arrived, and on a cold load it waited for a connection behind the stylesheet and modules.
// In <head> before the stylesheet, not in <body>: there a script waits for the stylesheet, and
// Chromium painted an empty, unthemed frame before running it. The strict CSP allows exactly this
// script by its hash (src/security-policy.ts, checked by tests/web/theme-boot.test.ts).
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/** The script's text exactly as the pages carry it (its hash is in the CSP). */
export const themeBootScript = readFileSync(new URL('./theme-boot.js', import.meta.url), 'utf8').trim();

const PLACEHOLDER = '<script data-theme-boot></script>';

export const themeBoot: Plugin = {
  name: 'moe-theme-boot',
  transformIndexHtml: (html) => {
    if (!html.includes(PLACEHOLDER)) throw new Error(`moe-theme-boot: index.html has no ${PLACEHOLDER}`);
    return html.replace(PLACEHOLDER, () => `<script>${themeBootScript}</script>`);
  },
};
