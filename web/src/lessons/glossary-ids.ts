// The DOM ids glossary terms use, shared by the build-time term rendering
// (glossary.ts) and the page's popover layer (components/GlossaryLayer.svelte).
// Free of imports so the page does not load glossary.ts's YAML parser and zod.

/** The id of the hidden element holding a term's definition (aria-describedby target). */
export const definitionElementId = (id: string) => `glossary-def-${id}`;
