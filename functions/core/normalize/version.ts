/**
 * Version of what normalization produces from the same bytes. Bump it whenever the output for an unchanged source
 * can differ (a new field, a parser change): the pipeline then re-normalizes such sources silently — no events, no
 * `updated` change — instead of trusting articles it cached from an older normalizer.
 *
 * 2: Markdown through markdown-it (CommonMark + GFM) into the document model; `draft`, `image`, `assets`,
 * `canonicalUrl` and `lang`; Jekyll-style file names.
 * 3: images under `articles/` are sources of their own kind, and the pipeline resolves each article's local images
 * (`media`, folded into `contentHash`): re-reading every source once gives every published image its references.
 * 4: topic slugs spell `+` and `#` after a letter or digit ("C++" → `c-plus-plus`, no longer `c`): re-normalizing
 * re-files every article into the collections its topics now name (core/topics.ts `topicSlug`).
 *
 * In its own module so a publish run can plan (compare versions) without loading the parsers.
 */
export const NORMALIZER_VERSION = '4';
