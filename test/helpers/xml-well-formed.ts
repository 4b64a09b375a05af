/**
 * A small strict XML 1.0 well-formedness checker for tests: one root element, matched tags, quoted attributes
 * without `<` or duplicates, only the five predefined or numeric entity references, no `]]>` in text, only XML
 * characters, and every namespace prefix bound. Throws `XmlError` with the offset of the first fault.
 */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
  }
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const XML_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;

function checkReferences(value: string, base: number): void {
  for (let i = value.indexOf('&'); i !== -1; i = value.indexOf('&', i + 1)) {
    if (!ENTITY.test(value.slice(i, i + 12))) throw new XmlError('bad entity reference', base + i);
  }
}

/** Checks `xml` and returns the root element's name. */
export function assertWellFormedXml(xml: string): string {
  if (!XML_CHARS.test(xml)) {
    const bad = [...xml].findIndex((c) => !XML_CHARS.test(c));
    throw new XmlError('character not allowed in XML', bad);
  }
  let i = 0;
  const stack: { name: string; ns: Map<string, string> }[] = [];
  let root: string | null = null;
  let rootClosed = false;
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml.charAt(i))) i++;
  };
  const readName = (): string => {
    const match = NAME.exec(xml.slice(i, i + 200));
    if (!match) throw new XmlError('expected a name', i);
    i += match[0].length;
    return match[0];
  };
  const checkPrefix = (name: string, ns: Map<string, string>, at: number, isAttr: boolean) => {
    const colon = name.indexOf(':');
    if (colon === -1) return;
    const prefix = name.slice(0, colon);
    if (prefix === 'xml' || (isAttr && prefix === 'xmlns')) return;
    if (!ns.has(prefix)) throw new XmlError(`unbound namespace prefix "${prefix}"`, at);
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end === -1) throw new XmlError('unterminated XML declaration', 0);
    i = end + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? xml.length : lt;
    const text = xml.slice(i, textEnd);
    if (stack.length === 0 && text.trim() !== '') throw new XmlError('text outside the root element', i);
    if (text.includes(']]>')) throw new XmlError('"]]>" in text', i + text.indexOf(']]>'));
    checkReferences(text, i);
    i = textEnd;
    if (i >= xml.length) break;
    if (xml.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) throw new XmlError('CDATA outside the root element', i);
      const end = xml.indexOf(']]>', i);
      if (end === -1) throw new XmlError('unterminated CDATA section', i);
      i = end + 3;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end === -1 || xml.slice(i + 4, end).includes('--')) throw new XmlError('bad comment', i);
      i = end + 3;
    } else if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end === -1) throw new XmlError('unterminated processing instruction', i);
      i = end + 2;
    } else if (xml.startsWith('<!', i)) {
      throw new XmlError('DOCTYPE and declarations are not expected in a feed', i);
    } else if (xml.startsWith('</', i)) {
      const at = i;
      i += 2;
      const name = readName();
      skipSpace();
      if (xml.charAt(i) !== '>') throw new XmlError('expected ">"', i);
      i++;
      const open = stack.pop();
      if (open?.name !== name) throw new XmlError(`</${name}> closes <${open?.name ?? 'nothing'}>`, at);
      if (stack.length === 0) rootClosed = true;
    } else {
      const at = i;
      i++;
      const name = readName();
      if (stack.length === 0) {
        if (root !== null) throw new XmlError('second root element', at);
        root = name;
      }
      const ns = new Map(stack[stack.length - 1]?.ns ?? []);
      const attrs = new Map<string, number>();
      for (;;) {
        const before = i;
        skipSpace();
        const c = xml.charAt(i);
        if (c === '>' || xml.startsWith('/>', i)) break;
        if (i === before) throw new XmlError('expected space before attribute', i);
        const attrAt = i;
        const attr = readName();
        if (attrs.has(attr)) throw new XmlError(`duplicate attribute ${attr}`, attrAt);
        attrs.set(attr, attrAt);
        skipSpace();
        if (xml.charAt(i) !== '=') throw new XmlError('expected "="', i);
        i++;
        skipSpace();
        const quote = xml.charAt(i);
        if (quote !== '"' && quote !== "'") throw new XmlError('unquoted attribute value', i);
        const end = xml.indexOf(quote, i + 1);
        if (end === -1) throw new XmlError('unterminated attribute value', i);
        const value = xml.slice(i + 1, end);
        if (value.includes('<')) throw new XmlError('"<" in attribute value', i);
        checkReferences(value, i + 1);
        if (attr.startsWith('xmlns:')) ns.set(attr.slice(6), value);
        i = end + 1;
      }
      checkPrefix(name, ns, at, false);
      for (const [attr, attrAt] of attrs) checkPrefix(attr, ns, attrAt, true);
      if (xml.startsWith('/>', i)) {
        i += 2;
        if (stack.length === 0) rootClosed = true;
      } else {
        i++;
        stack.push({ name, ns });
      }
    }
  }
  if (stack.length > 0) throw new XmlError(`unclosed <${stack[stack.length - 1]?.name}>`, xml.length);
  if (root === null || !rootClosed) throw new XmlError('no root element', 0);
  return root;
}
