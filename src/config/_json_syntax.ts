/**
 * Finds where a JSON text stops being JSON. `JSON.parse` only says so in V8's
 * words, sometimes without a position and sometimes quoting the whole file;
 * a config error must say "line 3, column 5" in one line.
 */

/** Where and why a JSON text is malformed: 1-based line and column. */
export interface JsonSyntaxProblem {
  line: number;
  column: number;
  reason: string;
}

class Malformed extends Error {
  constructor(readonly offset: number, reason: string) {
    super(reason);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Scanner {
  #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  document(): void {
    this.#space();
    this.#value();
    this.#space();
    if (this.#at < this.#text.length) this.#fail("unexpected text after the document");
  }

  #fail(reason: string): never {
    throw new Malformed(this.#at, reason);
  }

  #space(): void {
    while (/[ \t\n\r]/.test(this.#text[this.#at] ?? "")) this.#at++;
  }

  #expect(char: string, reason: string): void {
    if (this.#text[this.#at] !== char) this.#fail(reason);
    this.#at++;
  }

  #value(): void {
    const char = this.#text[this.#at];
    if (char === undefined) this.#fail("unexpected end of input");
    if (char === "{") return this.#object();
    if (char === "[") return this.#array();
    if (char === '"') return this.#string();
    for (const word of ["true", "false", "null"]) {
      if (this.#text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return;
      }
    }
    NUMBER.lastIndex = this.#at;
    if ((char === "-" || /\d/.test(char)) && NUMBER.test(this.#text)) {
      this.#at = NUMBER.lastIndex;
      return;
    }
    this.#fail(`unexpected character ${JSON.stringify(char)}`);
  }

  #object(): void {
    this.#at++;
    this.#space();
    if (this.#text[this.#at] === "}") {
      this.#at++;
      return;
    }
    for (;;) {
      if (this.#text[this.#at] !== '"') this.#fail("expected a double-quoted property name");
      this.#string();
      this.#space();
      this.#expect(":", "expected ':' after a property name");
      this.#space();
      this.#value();
      this.#space();
      if (this.#text[this.#at] === "}") {
        this.#at++;
        return;
      }
      this.#expect(",", "expected ',' or '}' after a property value");
      this.#space();
    }
  }

  #array(): void {
    this.#at++;
    this.#space();
    if (this.#text[this.#at] === "]") {
      this.#at++;
      return;
    }
    for (;;) {
      this.#value();
      this.#space();
      if (this.#text[this.#at] === "]") {
        this.#at++;
        return;
      }
      this.#expect(",", "expected ',' or ']' after an array element");
      this.#space();
    }
  }

  #string(): void {
    this.#at++;
    for (;;) {
      const char = this.#text[this.#at];
      if (char === undefined) this.#fail("unterminated string");
      if (char === '"') {
        this.#at++;
        return;
      }
      if (char.charCodeAt(0) < 0x20) this.#fail("control character in a string");
      if (char === "\\") {
        const escape = this.#text[this.#at + 1] ?? "";
        if ('"\\/bfnrt'.includes(escape) && escape !== "") this.#at += 2;
        else if (
          escape === "u" && /^[0-9a-fA-F]{4}$/.test(this.#text.slice(this.#at + 2, this.#at + 6))
        ) {
          this.#at += 6;
        } else this.#fail("bad escape in a string");
        continue;
      }
      this.#at++;
    }
  }
}

/** The first syntax problem of `text`, or `undefined` when it is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    const before = text.slice(0, error.offset);
    const line = before.split("\n").length;
    const column = error.offset - (before.lastIndexOf("\n") + 1) + 1;
    return { line, column, reason: error.message };
  }
}
