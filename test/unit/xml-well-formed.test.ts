import { describe, expect, it } from 'vitest';
import { assertWellFormedXml } from '../helpers/xml-well-formed.ts';

describe('assertWellFormedXml (the check the render tests rely on)', () => {
  it('accepts a document with declaration, namespaces, CDATA, entities and self-closing tags', () => {
    expect(
      assertWellFormedXml(
        '<?xml version="1.0"?>\n<rss xmlns:a="urn:a"><a:b x="1 &amp; &#x41;"/><c><![CDATA[<p>]]]]><![CDATA[>]]></c>&lt;&#160;</rss>',
      ),
    ).toBe('rss');
  });

  it.each([
    ['mismatched tags', '<a><b></a></b>'],
    ['unclosed element', '<a><b></b>'],
    ['raw ampersand', '<a>x & y</a>'],
    ['unknown entity', '<a>&nbsp;</a>'],
    ['"<" in an attribute', '<a t="<"/>'],
    ['unquoted attribute', '<a t=1/>'],
    ['duplicate attribute', '<a t="1" t="2"/>'],
    ['"]]>" in text (a CDATA section ended early)', '<a><![CDATA[x]]> y ]]></a>'],
    ['control character', '<a>\u0001</a>'],
    ['U+FFFF', '<a>\uFFFF</a>'],
    ['unbound prefix', '<a><dc:creator>x</dc:creator></a>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>x'],
    ['no root', '<?xml version="1.0"?>'],
  ])('rejects %s', (_, xml) => {
    expect(() => assertWellFormedXml(xml)).toThrow();
  });
});
