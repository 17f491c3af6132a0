/**
 * A small, strict XML reader for data feeds such as Nextbike's live XML:
 * elements, attributes, the five named entities and character references,
 * comments, processing instructions and CDATA. No DTD (a `<!DOCTYPE` is
 * refused: entity expansion is how XML bombs work), no namespaces (a prefix
 * stays part of the name). Text is kept only as each element's `text`.
 *
 * Deno has no XML parser and `deno.json` carries none; a feed of elements and
 * attributes needs none of what a full parser does, and this one is a few
 * sticky regular expressions over the string, so it reads megabytes quickly.
 * Anything it does not understand is an {@link XmlError} with line and column.
 */

/** One element: its name, attributes (decoded) and child elements in order. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, decoded, trimmed; "" when none. */
  text: string;
}

/** Malformed XML, with where it was found. */
export class XmlError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(reason: string, source: string, offset: number) {
    const before = source.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    super(`${reason} at line ${line}, column ${column}`);
    this.name = "XmlError";
    this.line = line;
    this.column = column;
  }
}

const NAME = "[A-Za-z_:][-A-Za-z0-9_.:\u00B7\u00C0-\uFFFF]*";
const openTag = new RegExp(`<(${NAME})`, "y");
const attribute = new RegExp(`\\s+(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, "y");
const tagEnd = /\s*(\/?)>/y;
const closeTag = new RegExp(`</(${NAME})\\s*>`, "y");
const text = /[^<]+/y;
const entity = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));|&/g;
const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Parses a whole document; returns its root element. */
export function parseXml(source: string): XmlElement {
  let at = 0;
  if (source.charCodeAt(0) === 0xfeff) at = 1;
  const stack: XmlElement[] = [];
  const texts: string[][] = [];
  let root: XmlElement | undefined;

  const fail = (reason: string, offset = at): never => {
    throw new XmlError(reason, source, offset);
  };
  const decode = (raw: string, offset: number): string =>
    raw.indexOf("&") === -1 ? raw : raw.replace(entity, (match, name, dec, hex) => {
      if (name !== undefined) return named[name]!;
      const code = dec !== undefined
        ? Number.parseInt(dec, 10)
        : hex !== undefined
        ? Number.parseInt(hex, 16)
        : -1;
      if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0) {
        return fail(`invalid entity ${JSON.stringify(match)}`, offset);
      }
      return String.fromCodePoint(code);
    });

  while (at < source.length) {
    if (source.startsWith("<?", at)) {
      const end = source.indexOf("?>", at + 2);
      if (end === -1) fail("unterminated processing instruction");
      at = end + 2;
      continue;
    }
    if (source.startsWith("<!--", at)) {
      const end = source.indexOf("-->", at + 4);
      if (end === -1) fail("unterminated comment");
      at = end + 3;
      continue;
    }
    if (source.startsWith("<![CDATA[", at)) {
      if (stack.length === 0) fail("CDATA outside the root element");
      const end = source.indexOf("]]>", at + 9);
      if (end === -1) fail("unterminated CDATA section");
      texts[texts.length - 1]!.push(source.slice(at + 9, end));
      at = end + 3;
      continue;
    }
    if (source.startsWith("<!", at)) fail("DTDs and declarations are not supported");
    if (source.startsWith("</", at)) {
      closeTag.lastIndex = at;
      const match = closeTag.exec(source);
      if (match === null) fail("malformed closing tag");
      const open = stack.pop();
      if (open === undefined) fail(`closing tag </${match![1]}> without an open element`);
      if (open!.name !== match![1]) fail(`</${match![1]}> closes <${open!.name}>`);
      open!.text = texts.pop()!.join("").trim();
      at = closeTag.lastIndex;
      continue;
    }
    if (source.charCodeAt(at) === 60 /* < */) {
      openTag.lastIndex = at;
      const match = openTag.exec(source);
      if (match === null) fail("malformed tag");
      const element: XmlElement = { name: match![1]!, attributes: {}, children: [], text: "" };
      at = openTag.lastIndex;
      while (true) {
        attribute.lastIndex = at;
        const pair = attribute.exec(source);
        if (pair === null) break;
        const name = pair[1]!;
        if (Object.hasOwn(element.attributes, name)) fail(`duplicate attribute ${name}`);
        element.attributes[name] = decode(pair[2] ?? pair[3]!, at);
        at = attribute.lastIndex;
      }
      tagEnd.lastIndex = at;
      const end = tagEnd.exec(source);
      if (end === null) fail(`malformed tag <${element.name}>`);
      at = tagEnd.lastIndex;
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(element);
      else if (root !== undefined) fail("more than one root element", openTag.lastIndex);
      else root = element;
      if (end![1] !== "/") {
        stack.push(element);
        texts.push([]);
      }
      continue;
    }
    text.lastIndex = at;
    const run = text.exec(source)![0];
    if (stack.length === 0) {
      if (run.trim() !== "") fail("text outside the root element");
    } else texts[texts.length - 1]!.push(decode(run, at));
    at = text.lastIndex;
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (root === undefined) fail("no root element");
  return root!;
}
