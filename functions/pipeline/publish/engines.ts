/**
 * The CPU-bound stages a run calls — normalize and render — loaded on first use (docs/ARCHITECTURE.md, "Cold
 * start"). A run with nothing to normalize or render (an unchanged reconcile, a delete, a continuation that only
 * hands events out) never loads markdown-it, the feed library or the templates: in the PublishFunction they are
 * most of the bundle. esbuild keeps a module reached only through `import()` in the same file, unevaluated until
 * the first call; Node and tsx load it then.
 */

export type Normalizer = typeof import('../../core/normalize.ts');
export type Renderers = typeof import('../../core/render/index.ts');

let normalizer: Promise<Normalizer> | undefined;
let renderers: Promise<Renderers> | undefined;

/** core/normalize.ts, loaded once. */
export function loadNormalizer(): Promise<Normalizer> {
  normalizer ??= import('../../core/normalize.ts');
  return normalizer;
}

/** core/render/index.ts, loaded once. */
export function loadRenderers(): Promise<Renderers> {
  renderers ??= import('../../core/render/index.ts');
  return renderers;
}
