// Word handling shared by the build-time index and the question box: how text is cut into
// words, which words carry no meaning for a search (stop words), and a light stemmer so that
// "routing", "routes" and "routed" meet. No DOM, no imports: it runs in Node and the browser.

/** Longest question the box reads; longer input is cut here and the learner is told so. */
export const MAX_QUESTION_CHARS = 300;

/** Letters and digits in any script; "W_1" and "d_ff" (maths in the text) stay one word. */
const wordPattern = /[\p{L}\p{N}]+(?:_[\p{L}\p{N}]+)*/gu;

/** Words of `text` with their positions, for highlighting. */
export function words(text: string): { word: string; start: number; end: number }[] {
  const out: { word: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(wordPattern)) out.push({ word: m[0], start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
  return out;
}

/** MiniSearch tokenizer: the words of `text`, unchanged (processTerm normalises them). */
export function tokenize(text: string): string[] {
  return text.match(wordPattern) ?? [];
}

// Function words, and the words learners wrap a question in ("what does … mean", "explain").
const stopWords = new Set(
  `a about above after again all also am an and any are as at be because been before being below
  between both but by can could did do does doing done down during each either else even ever every
  few for from further get gets got had has have having he her here hers him his how i if in into is
  it its itself just let lets like may me might mine more most much must my myself no nor not now of
  off on once only or other our ours out over own please quite rather really same she should so some
  such than that thats the their theirs them then there these they this those though through to too
  under until up us very was we were what whats when where which while who whom whose why will with
  would yet you your yours s t d ll re ve m don doesn isn aren wasn didn won wouldn shouldn couldn
  explain explained tell mean means meant meaning describe thing things actually exactly happen happens
  know want need used use using make makes made work works way ways one`.split(/\s+/).filter(Boolean),
);

// A few spellings and abbreviations learners use for the course's words.
const synonyms: Record<string, string> = {
  renormalization: 'renormalisation',
  renormalize: 'renormalise',
  renormalized: 'renormalised',
  normalize: 'normalise',
  normalized: 'normalised',
  specialize: 'specialise',
  specialization: 'specialisation',
  feedforward: 'ffn',
  mlp: 'ffn',
  params: 'parameters',
  param: 'parameter',
  topk: 'top',
  moes: 'moe',
};

/**
 * A deliberately small suffix stripper (not Porter): plural and verb endings only, so that
 * related forms share a stem and different words stay apart. Short words are left alone.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  // "running" → "runn" → "run": undo a doubled final consonant left by -ing / -ed.
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w) && w.length > 3) w = w.slice(0, -1);
  return w;
}

/** MiniSearch processTerm: lower case, apostrophes out, stop words dropped, synonyms, stem. */
export function processTerm(term: string): string | null {
  const lower = term.normalize('NFKC').toLowerCase().replace(/_/g, ''); // "W_1" meets "W1"
  if (stopWords.has(lower)) return null;
  const mapped = synonyms[lower] ?? lower;
  return stem(mapped);
}

/** The distinct search terms of a question, in order (what the coverage check counts). */
export function questionTerms(question: string): string[] {
  return [...distinctWords(question).keys()];
}

/** Each distinct search term of `text` with the first word that produced it ("routing" for "rout"). */
export function distinctWords(text: string): Map<string, string> {
  const seen = new Map<string, string>();
  for (const token of tokenize(text)) {
    const term = processTerm(token);
    if (term && !seen.has(term)) seen.set(term, token);
  }
  return seen;
}
