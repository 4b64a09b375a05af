/** Test helpers that read values back out of rendered (already well-formed-checked) XML. */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** The character data of an element's inner XML: CDATA sections taken literally, other text entity-decoded. */
export function decodeXmlText(inner: string): string {
  return inner
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) => (part.startsWith('<![CDATA[') ? part.slice(9, -3) : decodeEntities(part)))
    .join('');
}

/** Decoded text of every `<name ...>…</name>` element, in document order (elements must not nest in themselves). */
export function elementTexts(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(pattern)].map((m) => decodeXmlText(m[1] ?? ''));
}

/** Decoded values of attribute `attr` on every `<name …>` start tag. */
export function attributeValues(xml: string, name: string, attr: string): string[] {
  const tags = xml.match(new RegExp(`<${name}\\s[^>]*>`, 'g')) ?? [];
  return tags.flatMap((tag) => {
    const m = new RegExp(`\\s${attr}="([^"]*)"`).exec(tag);
    return m?.[1] === undefined ? [] : [decodeEntities(m[1])];
  });
}

/** Index of the first character XML 1.0 forbids (C0 control other than TAB/LF/CR, U+FFFE/U+FFFF, lone surrogate), or -1. */
export function findXmlInvalid(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    if (c === 0xfffe || c === 0xffff) return i;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return i;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/** `value` without the characters XML 1.0 forbids (a reference implementation for comparisons in tests). */
export function withoutXmlInvalid(value: string): string {
  let out = value;
  for (let i = findXmlInvalid(out); i !== -1; i = findXmlInvalid(out)) out = out.slice(0, i) + out.slice(i + 1);
  return out;
}
