// lm-scale keeps nothing in the URL.
export const lmScaleState = {};
