// The browser's localStorage, or undefined where there is none. Reading the `localStorage`
// property itself throws a SecurityError when the browser blocks storage for the site (cookies
// blocked, some privacy modes), so `typeof localStorage` alone is not safe: use this instead.
export function localStore(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
