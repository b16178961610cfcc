// The page's security headers, declared once: the preview server sends them (vite.config.ts),
// the built pages carry the Content-Security-Policy as a meta tag for hosts that send no headers,
// and the service worker (sw.ts) adds all three to what it serves.

/** Strict CSP: no eval (the engine is built with -sDYNAMIC_EXECUTION=0), wasm allowed. */
const policy: [directive: string, value: string][] = [
  ['default-src', "'self'"],
  ['script-src', "'self' 'wasm-unsafe-eval'"],
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
