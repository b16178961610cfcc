// Recognises "what if" questions about sizes and pulls out their numbers. It only reads the
// question: the arithmetic is the engine's (Engine.solveActive; capacity from Engine.forward's trace,
// see size-answer.ts). A question is recognised when it asks for active parameters or a capacity
// and gives at least one of the numbers; whatever it leaves out is listed in `missing`, so the box
// can ask for it instead of guessing.

import { MAX_QUESTION_CHARS } from './text';

export interface ActiveQuestion {
  kind: 'active';
  /** E: experts per layer. */
  experts?: number;
  /** k: experts each token visits. */
  topK?: number;
  /** T: total parameters. */
  total?: number;
  /** s: share of the total outside the experts (0 when the question does not say). */
  shared: number;
  sharedGiven: boolean;
  missing: ('experts' | 'top-k' | 'total')[];
}

export interface CapacityQuestion {
  kind: 'capacity';
  factor?: number;
  tokens?: number;
  experts?: number;
  /** Top-k; 1 (Switch) when the question does not say. */
  topK: number;
  topKGiven: boolean;
  missing: ('capacity factor' | 'tokens' | 'experts')[];
}

export type SizeQuestion = ActiveQuestion | CapacityQuestion;

const numberWords: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, sixteen: 16, twenty: 20, thirty: 30, 'thirty-two': 32, forty: 40, fifty: 50, sixty: 60,
  'sixty-four': 64, hundred: 100,
};

const scaleOf: Record<string, number> = {
  k: 1e3, thousand: 1e3, m: 1e6, million: 1e6, mn: 1e6, b: 1e9, bn: 1e9, billion: 1e9, g: 1e9, t: 1e12, trillion: 1e12, tn: 1e12,
};

/** Digits with optional thousands separators ("1,024", "1 000", "1_000") and decimals. */
const NUM = String.raw`\d+(?:[,_\u2009\u202f ]\d{3})*(?:\.\d+)?`;
const toNumber = (s: string) => Number(s.replace(/[,_\u2009\u202f ]/g, ''));

/** Lower case, number words as digits, fancy dashes and multiplication signs plain. */
function normalise(question: string): string {
  let s = question.normalize('NFKC').toLowerCase().replace(/<[^>]*>/g, ' ');
  s = s.replace(/[\u2010-\u2015\u2212]/g, '-').replace(/[×✕]/g, 'x');
  s = s.replace(/\b(thirty-two|sixty-four|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|sixteen|twenty|thirty|forty|fifty|sixty|hundred)\b/g, (w) =>
    String(numberWords[w]),
  );
  return s;
}

/** First capture of the first pattern that matches, as a number. */
function firstNumber(s: string, patterns: RegExp[]): number | undefined {
  for (const p of patterns) {
    const m = p.exec(s);
    if (m) {
      const v = toNumber(m[1]);
      if (Number.isFinite(v)) return v;
    }
  }
  return undefined;
}

function readExperts(s: string): number | undefined {
  return firstNumber(s, [
    new RegExp(String.raw`(${NUM})\s*(?:routed\s+|total\s+)?experts?\b`),
    new RegExp(String.raw`\be\s*=\s*(${NUM})`),
    new RegExp(String.raw`\bexperts?\s*(?:=|:|of)\s*(${NUM})`),
    /\b(\d+)x\d+(?:\.\d+)?\s*b\b/, // "8x7B"
  ]);
}

function readTopK(s: string): number | undefined {
  return firstNumber(s, [
    /\btop[-\s_]?(\d+)\b/,
    /\bk\s*=\s*(\d+)\b/,
    /\b(\d+)\s*(?:active|chosen|selected|picked)\s+experts?\b/,
    /\b(?:picks?|chooses?|selects?|routes? to|visits?|uses?)\s+(\d+)\s+(?:of\s+(?:the\s+)?\d+\s+)?(?:experts?|of)\b/,
  ]);
}

/** A size with an optional scale word or letter: "1T", "1.2 trillion", "400 b", "46,700,000,000". */
function readTotal(s: string): number | undefined {
  const scaled = new RegExp(String.raw`(${NUM})\s*(trillion|billion|million|thousand|tn|bn|mn|[tbmkg])\b`, 'g');
  const candidates: { value: number; total: boolean }[] = [];
  for (const m of s.matchAll(scaled)) {
    const before = s.slice(Math.max(0, (m.index ?? 0) - 3), m.index);
    if (/x\s*$/.test(before)) continue; // the "7B" of "8x7B" is one expert's size, not the total
    const value = toNumber(m[1]) * scaleOf[m[2]];
    const after = s.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 24);
    const around = s.slice(Math.max(0, (m.index ?? 0) - 16), m.index);
    candidates.push({ value, total: /total|stored|model|in all|overall/.test(after + around) });
  }
  const chosen = candidates.find((c) => c.total) ?? candidates[0];
  if (chosen) return chosen.value;
  // A bare large number ("1000000000000 parameters").
  const bare = new RegExp(String.raw`(${NUM})\s*(?:total\s+)?(?:parameters?|params?|weights?)\b`).exec(s);
  if (bare && toNumber(bare[1]) >= 1000) return toNumber(bare[1]);
  return undefined;
}

/** "10% shared", "shared share 0.1", "a tenth shared": the share of the total outside the experts. */
function readShared(s: string): number | undefined {
  const percent = firstNumber(s, [
    new RegExp(String.raw`(${NUM})\s*%\s*(?:of\s+(?:the\s+)?(?:parameters\s+|weights\s+|total\s+)?)?(?:is\s+|are\s+)?shared`),
    new RegExp(String.raw`shared\s*(?:share|fraction|part|parameters|weights)?\s*(?:of|is|=|:)?\s*(${NUM})\s*%`),
  ]);
  if (percent !== undefined) return percent / 100;
  return firstNumber(s, [
    new RegExp(String.raw`shared\s*(?:share|fraction|part)?\s*(?:of|is|=|:)?\s*(0?\.\d+|0|1(?:\.0+)?)\b`),
    new RegExp(String.raw`\bs\s*=\s*(0?\.\d+|0|1(?:\.0+)?)\b`),
  ]);
}

function readFactor(s: string): number | undefined {
  return firstNumber(s, [
    new RegExp(String.raw`(?:capacity\s+)?factor\s*(?:of|=|:|is)?\s*(${NUM})`),
    new RegExp(String.raw`(${NUM})\s*(?:capacity\s+factor|cf)\b`),
    new RegExp(String.raw`\bcf\s*(?:=|:|of)?\s*(${NUM})`),
    new RegExp(String.raw`capacity\s*(?:of|=|:)?\s*(${NUM})\s*x?\b(?!\s*tokens)`),
  ]);
}

function readTokens(s: string): number | undefined {
  return firstNumber(s, [
    new RegExp(String.raw`(${NUM})\s*tokens?\b`),
    new RegExp(String.raw`tokens?\s*(?:=|:|of)\s*(${NUM})`),
    new RegExp(String.raw`batch\s+of\s+(${NUM})`),
  ]);
}

/** The names of the numbers a question left out (undefined), in the order they are listed. */
function missingOf<K extends string>(numbers: Record<K, number | undefined>): K[] {
  return (Object.keys(numbers) as K[]).filter((name) => numbers[name] === undefined);
}

/** The size question `question` asks, or null when it is not one. Never throws. */
export function parseSizeQuestion(question: string): SizeQuestion | null {
  if (typeof question !== 'string' || question.length === 0) return null;
  // Read no more than the box does: long input cannot slow the patterns down.
  const s = normalise(Array.from(question).slice(0, MAX_QUESTION_CHARS).join(''));

  if (/\bcapacit(?:y|ies)\b/.test(s)) {
    const factor = readFactor(s);
    const tokens = readTokens(s);
    const experts = readExperts(s);
    const missing = missingOf({ 'capacity factor': factor, tokens, experts });
    if (missing.length < 3 && /\d/.test(s)) {
      const topK = readTopK(s);
      return { kind: 'capacity', factor, tokens, experts, topK: topK ?? 1, topKGiven: topK !== undefined, missing };
    }
    return null;
  }

  const asksActive = /\bactive\b|per[-\s]token|each token|one token|a token (?:use|touch)/.test(s);
  if (!asksActive) return null;
  const experts = readExperts(s);
  const topK = readTopK(s);
  const total = readTotal(s);
  const missing = missingOf({ experts, 'top-k': topK, total });
  if (missing.length > 1) return null;
  const shared = readShared(s);
  return { kind: 'active', experts, topK, total, shared: shared ?? 0, sharedGiven: shared !== undefined, missing };
}
