// Launch options for Debian's Chromium, shared by every browser test.
// The background-networking flags matter: this machine has no network but the
// package registries, and Chromium's own connections would be refused.
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const launchOptions = { executablePath: chromiumPath, headless: true, args: chromiumArgs };
