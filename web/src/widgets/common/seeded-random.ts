// Seeded randomness shared by the widgets: the same seed gives the same numbers in every browser
// and in Node, so a quiz attempt or a shuffled batch can be reproduced in tests and shared links.

/** mulberry32: a small, well-mixed 32-bit generator; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A shuffled order of 0..n−1 (Fisher–Yates). With `avoid`, an order equal to it is
 * reshuffled, then rotated, so a retake never shows the same order again (n ≥ 2).
 */
export function shuffledOrder(n: number, random: () => number, avoid?: readonly number[]): number[] {
  const make = () => {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };
  const same = (a: number[]) => !!avoid && avoid.length === a.length && a.every((x, i) => x === avoid[i]);
  let order = make();
  for (let tries = 0; tries < 8 && n > 1 && same(order); tries++) order = make();
  if (n > 1 && same(order)) order = [...order.slice(1), order[0]];
  return order;
}
