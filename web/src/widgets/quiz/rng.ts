// Seeded choices for quizzes: the option order and the drawn numbers of an attempt follow from
// one seed (common/seeded-random.ts), so an attempt can be reproduced in tests.

/** A seed from a string (FNV-1a), to give each question its own stream. */
export function hashSeed(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function pick<T>(values: readonly T[], random: () => number): T {
  return values[Math.floor(random() * values.length)];
}
