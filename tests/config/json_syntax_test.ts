import assert from "node:assert/strict";
import { findJsonSyntaxProblem } from "../../src/config/_json_syntax.ts";

Deno.test("findJsonSyntaxProblem() finds nothing in texts JSON.parse accepts", () => {
  const valid = [
    "{}",
    " [ ] ",
    '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9\\"", {"b": {}}]}',
    "0",
    '"text"',
    JSON.stringify({ nested: { list: [1, "two", { three: 3 }] } }, null, 2),
  ];
  for (const text of valid) {
    JSON.parse(text);
    assert.equal(findJsonSyntaxProblem(text), undefined, text);
  }
});

Deno.test("findJsonSyntaxProblem() places each error JSON.parse rejects", () => {
  // [text, the offset of the first wrong character]
  const invalid: [string, number][] = [
    ['{"a": 1,}', '{"a": 1,'.length],
    ['{"a" 1}', '{"a" '.length],
    ["[1 2]", "[1 ".length],
    ["{'a': 1}", 1],
    ['{"a": tru}', '{"a": '.length],
    ['{"a": "x\ny"}', '{"a": "x'.length],
    ['{"a": "\\q"}', '{"a": "'.length],
    ['{"a": 01}', '{"a": 0'.length],
    ["{} []", "{} ".length],
    ["", 0],
    ['{"a": 1', '{"a": 1'.length],
  ];
  for (const [text, offset] of invalid) {
    assert.throws(() => JSON.parse(text), SyntaxError, text);
    const problem = findJsonSyntaxProblem(text);
    assert.ok(problem, text);
    const before = text.slice(0, offset);
    assert.equal(problem.line, before.split("\n").length, text);
    assert.equal(problem.column, offset - (before.lastIndexOf("\n") + 1) + 1, text);
  }
});
