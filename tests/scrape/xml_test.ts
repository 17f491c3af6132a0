import assert from "node:assert/strict";
import { parseXml, XmlError } from "../../src/scrape/_xml.ts";

Deno.test("parseXml() reads elements, attributes in both quotes, entities and text", () => {
  const root = parseXml(
    `<?xml version="1.0"?>\n<!-- c --><a x="1 &amp; 2" y='&quot;q&quot; &#65;&#x42;'>` +
      `<b/><c z="&lt;&gt;&apos;">t&amp;u<![CDATA[<raw>]]></c></a>`,
  );
  assert.equal(root.name, "a");
  assert.deepEqual(root.attributes, { x: "1 & 2", y: '"q" AB' });
  assert.deepEqual(root.children.map((c) => c.name), ["b", "c"]);
  assert.equal(root.children[1]!.attributes.z, "<>'");
  assert.equal(root.children[1]!.text, "t&u<raw>");
});

function refuses(source: string, reason: RegExp): void {
  assert.throws(() => parseXml(source), (error: unknown) => {
    assert.ok(error instanceof XmlError, String(error));
    assert.match(error.message, reason);
    assert.match(error.message, /at line \d+, column \d+$/);
    return true;
  });
}

Deno.test("parseXml() refuses a DOCTYPE (no entity expansion, no XML bombs)", () => {
  refuses(`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, /DTDs and declarations are not supported/);
});

Deno.test("parseXml() refuses mismatched, unclosed and stray closing tags", () => {
  refuses("<a><b></a>", /<\/a> closes <b>/);
  refuses("<a><b>", /<b> is not closed/);
  refuses("<a/></b>", /closing tag <\/b> without an open element/);
});

Deno.test("parseXml() refuses unknown entities, a bare & and a NUL character reference", () => {
  refuses(`<a x="&nbsp;"/>`, /invalid entity "&"/);
  refuses(`<a>fish & chips</a>`, /invalid entity "&"/);
  refuses(`<a>&#0;</a>`, /invalid entity "&#0;"/);
});

Deno.test("parseXml() refuses duplicate attributes, unquoted values and two roots", () => {
  refuses(`<a x="1" x="2"/>`, /duplicate attribute x/);
  refuses(`<a x=1/>`, /malformed tag <a>/);
  refuses(`<a/><b/>`, /more than one root element/);
  refuses(`<a/>text`, /text outside the root element/);
  refuses(``, /no root element/);
});

Deno.test("parseXml() reports the line and column of the fault", () => {
  assert.throws(() => parseXml("<a>\n  <b></c>\n</a>"), (error: unknown) => {
    assert.ok(error instanceof XmlError);
    assert.equal(error.line, 2);
    assert.equal(error.column, 6);
    return true;
  });
});
