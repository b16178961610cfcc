// Vite plugin: lets the browser fetch and parse the player chunk while the small entry runs.
// main.ts imports the player dynamically (so the engine worker can start first); without a hint
// the browser would only ask for that chunk once the entry has run. This adds
// <link rel="modulepreload"> for the chunk of `entry` and every chunk it imports. Their CSS needs
// nothing: the build makes one stylesheet, which the HTML links (vite.config.ts, cssCodeSplit).
import type { Plugin } from 'vite';
import type { OutputBundle, OutputChunk } from 'rollup';

export function preloadChunkOf(entry: string): Plugin {
  return {
    name: 'moe-preload-chunk',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle: OutputBundle = ctx.bundle ?? {};
        const chunks = Object.values(bundle).filter((c): c is OutputChunk => c.type === 'chunk');
        const root = chunks.find((c) => c.isDynamicEntry && c.moduleIds.some((id) => id.endsWith(entry)));
        if (!root) throw new Error(`preloadChunkOf: no chunk is built from ${entry}`);
        const files = new Set([root.fileName]);
        for (const file of files) {
          const chunk = bundle[file] as OutputChunk;
          for (const dep of chunk.imports) files.add(dep);
        }
        const absent = (f: string) => !html.includes(`/${f}"`);
        return [...files].filter(absent).map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${f}` }, injectTo: 'head' as const }));
      },
    },
  };
}
