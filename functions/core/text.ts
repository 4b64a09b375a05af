/** Text hygiene shared by normalization and rendering. Pure, linear-time (no backtracking regexes). */

// XML 1.0 Char excludes C0 controls other than TAB/LF/CR, U+FFFE/U+FFFF and lone surrogates.
const XML_INVALID =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MAYBE_XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
// Zero-width and invisible formatting junk (ZWSP, ZWNJ, ZWJ kept only inside emoji sequences is not attempted:
// ZWJ is kept because emoji sequences need it), BOM, soft hyphen, word joiner, bidi isolates left as they carry meaning.
const INVISIBLE = /[\u200B\u200C\u2060\uFEFF\u00AD]/g;
// DEL is XML-legal but as invisible as a C1 control; article text never needs it.
const DELETE_AND_C1 = /[\u007F-\u009F]/g;

const MAYBE_INVISIBLE_OR_INVALID =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B\u200C\u2060\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/;

/** True when `stripXmlInvalid` or `stripInvisible` might change the value: one cheap scan instead of three passes. */
export function mayHoldInvisibleOrInvalid(value: string): boolean {
  return MAYBE_INVISIBLE_OR_INVALID.test(value);
}

/** Removes characters that XML 1.0 forbids (C0 controls, U+FFFE/FFFF, lone surrogates). */
export function stripXmlInvalid(value: string): string {
  // Most text has none of these; the cheap test spares the lookaround pattern a full scan.
  return MAYBE_XML_INVALID.test(value) ? value.replace(XML_INVALID, '') : value;
}

/**
 * Removes zero-width/invisible formatting characters, DEL and C1 controls but keeps line breaks and tabs, so a whole
 * document can be cleaned once before it is split into lines.
 */
export function stripInvisible(value: string): string {
  return value.replace(INVISIBLE, '').replace(DELETE_AND_C1, '');
}

/** The characters JavaScript's `\s` matches. */
function isSpace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Collapses whitespace runs to one space and trims; the same result as `.replace(/\s+/g, ' ').trim()`, but it
 * copies only where a run actually changes, so ordinary text (single spaces) costs one scan and no allocation.
 */
export function collapseWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  let out = '';
  let from = start;
  let i = start;
  while (i < end) {
    const code = value.charCodeAt(i);
    if ((code <= 32 || code >= 0xa0) && isSpace(code)) {
      let j = i + 1;
      while (j < end && isSpace(value.charCodeAt(j))) j++;
      if (code !== 32 || j - i > 1) {
        out += `${value.slice(from, i)} `;
        from = j;
      }
      i = j;
    } else {
      i++;
    }
  }
  if (from === 0 && end === value.length) return value;
  return out + value.slice(from, end);
}

/** NFC, XML-invalid, DEL/C1 control and zero-width characters removed; whitespace runs collapsed to one space; trimmed. */
export function cleanText(value: string): string {
  return collapseWhitespace(stripInvisible(stripXmlInvalid(value)).normalize('NFC'));
}

const HTML_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const HTML_ATTR: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML/XML text node. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>]/g, (c) => HTML_TEXT[c] ?? c);
}

/** Escapes text for a quoted HTML/XML attribute value. */
export function escapeAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ATTR[c] ?? c);
}
