// Mixtral 8x7B's consecutive-token agreement as published (Jiang et al. 2024, "Mixtral of
// Experts", Table 5), in percent, for layers 0, 15 and 31 of 32, on domains of The Pile. Shown
// beside this model's numbers, never computed from them.
export const mixtralTable5: { domain: string; first: [number, number, number]; set: [number, number, number] }[] = [
  { domain: 'ArXiv', first: [14.0, 27.9, 22.7], set: [46.5, 62.3, 52.9] },
  { domain: 'DM Mathematics', first: [14.1, 28.4, 19.7], set: [44.9, 67.0, 44.5] },
  { domain: 'Github', first: [14.9, 28.1, 19.7], set: [49.9, 66.9, 49.2] },
  { domain: 'Gutenberg', first: [13.9, 26.1, 26.3], set: [49.5, 63.1, 52.2] },
  { domain: 'PhilPapers', first: [13.6, 25.3, 22.1], set: [46.9, 61.9, 51.3] },
  { domain: 'PubMed Abstracts', first: [14.2, 24.6, 22.0], set: [48.6, 61.6, 51.8] },
  { domain: 'StackExchange', first: [13.6, 27.2, 23.6], set: [48.2, 64.6, 53.6] },
  { domain: 'Wikipedia (en)', first: [14.4, 23.6, 25.3], set: [49.8, 62.1, 51.8] },
];
