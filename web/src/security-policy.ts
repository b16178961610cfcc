// The page's security headers, declared once: the preview server sends them (vite.config.ts),
// the built pages carry the Content-Security-Policy as a meta tag for hosts that send no headers,
// and the service worker (sw.ts) adds all three to what it serves.

/**
 * The one inline script, web/theme-boot.js (the theme before the first paint), allowed by its
 * SHA-256. A hash, not 'unsafe-inline': nothing else inline can run. Edit the script and
 * tests/web/theme-boot.test.ts prints the new value.
 */
export const themeBootHash = "'sha256-wx2ApWRQ5fkUBrCvxfQMxH82RsY1ewFnOTMKtDafKCU='";

/** Strict CSP: no eval (the engine is built with -sDYNAMIC_EXECUTION=0), wasm allowed, one inline script by hash. */
const policy: [directive: string, value: string][] = [
  ['default-src', "'self'"],
  ['script-src', `'self' 'wasm-unsafe-eval' ${themeBootHash}`],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self' data:"],
  ['worker-src', "'self'"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

/** Directives a browser ignores (and complains about) in a <meta> policy: they only work as a header. */
const headerOnly = new Set(['frame-ancestors']);

export const contentSecurityPolicy = policy.map(([d, v]) => `${d} ${v}`).join('; ');

/** The same policy as a <meta http-equiv> tag can carry it. */
export const metaContentSecurityPolicy = policy
  .filter(([d]) => !headerOnly.has(d))
  .map(([d, v]) => `${d} ${v}`)
  .join('; ');

/** COOP/COEP make the page cross-origin isolated, so the engine worker loads its threaded build. */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export const securityHeaders: Record<string, string> = { 'Content-Security-Policy': contentSecurityPolicy, ...isolationHeaders };
