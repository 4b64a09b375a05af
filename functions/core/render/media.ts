/**
 * The lead image of a feed item, with what each format needs: RSS `enclosure` wants the length and type (else
 * Media RSS `media:content`, which needs neither), Atom `link rel="enclosure"` and JSON Feed `image` /
 * `attachments` take what is known. Sizes, lengths and types of local images come from the pipeline's
 * AssetCatalog; a remote image's type is read from its file extension, its length is never guessed.
 */
import { type Article, type AssetCatalog, absoluteHref, assetUrl, imageContentKey, type Site } from '../article.ts';
import { imageTypeOf } from '../media-types.ts';

export interface LeadMedia {
  /** Absolute URL of the image. */
  readonly url: string;
  readonly alt: string;
  readonly title?: string;
  /** Media type, e.g. `image/jpeg`, when known. */
  readonly type: string | null;
  /** Size in bytes, when known. */
  readonly length: number | null;
  readonly width: number | null;
  readonly height: number | null;
}

function pathTypeOf(src: string): string | null {
  if (src.startsWith('/')) return imageTypeOf(src.replace(/[?#].*$/, ''));
  return URL.canParse(src) ? imageTypeOf(new URL(src).pathname) : null;
}

/** The article's lead image as the feeds show it, or null when the article has none. */
export function leadMedia(
  site: Pick<Site, 'siteUrl'>,
  article: Pick<Article, 'image'>,
  assets?: AssetCatalog,
): LeadMedia | null {
  const { image } = article;
  if (image === null || image === undefined) return null;
  const key = imageContentKey(image.src);
  const info = key === null ? undefined : assets?.get(key);
  const length = info?.length;
  return {
    url: info?.path === undefined ? absoluteHref(site, image.src) : assetUrl(site, info.path),
    alt: image.alt,
    ...(image.title === undefined ? {} : { title: image.title }),
    type: info?.type ?? pathTypeOf(image.src),
    length: length !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : null,
    width: info?.width ?? null,
    height: info?.height ?? null,
  };
}
