// Keeps the page free of Content-Security-Policy violations (script-src has no 'unsafe-eval').
// zod 4 checks whether it may compile parsers with `new Function("")` the first time an object
// schema parses; under our CSP that probe is refused (and caught), but the browser still reports
// a securitypolicyviolation for it. Jitless mode parses without the probe and without eval.
// Imported first by player/start.ts, before any schema runs.
import * as z from 'zod';

z.config({ jitless: true });
