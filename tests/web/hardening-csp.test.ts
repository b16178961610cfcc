// The dev server and the preview/production server send the same strict Content-Security-Policy:
// scripts only from the page's origin plus WebAssembly compilation, no eval, and no inline script but
// the theme script allowed by its hash (tests/web/theme-boot.test.ts).
// (tests/e2e/hardening.spec.ts checks the header as served, and that no lesson violates it.)
import { describe, expect, it } from 'vitest';
import config from '../../web/vite.config';
import { themeBootHash } from '../../web/src/security-policy';

type Headers = Record<string, string>;
const directives = (csp: string) => Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));

describe('CSP in the Vite config', () => {
  const cfg = config as { server?: { headers?: Headers }; preview?: { headers?: Headers } };
  const dev = cfg.server?.headers?.['Content-Security-Policy'] ?? '';
  const preview = cfg.preview?.headers?.['Content-Security-Policy'] ?? '';

  it('dev and preview send the same policy', () => {
    expect(dev).not.toBe('');
    expect(preview).toBe(dev);
  });

  it('is strict: self + wasm-unsafe-eval for scripts, nothing unsafe', () => {
    const d = directives(dev);
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'", themeBootHash]); // the one inline script, by hash
    expect(dev).not.toMatch(/'unsafe-eval'/);
    expect(d['script-src']).not.toContain("'unsafe-inline'");
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
  });
});
