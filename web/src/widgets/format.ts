// Number formatting for widgets. Formatting only: no model math lives here.

/** Fixed decimals with a true minus sign (−0.42), and no "−0.00". */
export function fmt(x: number, digits = 2): string {
  const s = x.toFixed(digits);
  if (/^-0\.?0*$/.test(s)) return s.slice(1);
  return s.startsWith('-') ? `\u2212${s.slice(1)}` : s;
}

/** Signed, for terms in a sum: "+0.42", "−0.42". */
export function signed(x: number, digits = 2): string {
  const s = fmt(x, digits);
  return s.startsWith('\u2212') ? s : `+${s}`;
}

export function percent(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}

/** A feature name as prose: "function_word" → "function word". */
export function featureLabel(name: string): string {
  return name.replace(/_/g, ' ');
}

/** Names joined for a sentence: "A", "A and B", "A, B and C". */
export function listNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "Names" → "Names'", "Expert 2" → "Expert 2's". */
export function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}
