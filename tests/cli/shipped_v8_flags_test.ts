/**
 * The binary, the tasks and the benchmarks run Spoke with the same V8 flags: the numbers in
 * BENCHMARKS.md hold for what users run only while these agree.
 */
import assert from "node:assert/strict";
import { SHIPPED_V8_FLAGS } from "../../scripts/bench/_v8_flags.ts";

const root = new URL("../../", import.meta.url);

Deno.test("deno.json's run tasks pass the shipped V8 flags", () => {
  const { tasks } = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root))) as {
    tasks: Record<string, string>;
  };
  for (const name of ["spoke", "start", "demo"]) {
    const flags = /--v8-flags=(\S+)/.exec(tasks[name] ?? "")?.[1];
    assert.equal(flags, SHIPPED_V8_FLAGS, `task ${name}`);
  }
});

Deno.test("scripts/compile.ts builds the binary with the shipped V8 flags", () => {
  const source = Deno.readTextFileSync(new URL("scripts/compile.ts", root));
  const flags = [...source.matchAll(/"--v8-flags=([^"]+)"/g)].map((match) => match[1]);
  assert.deepEqual(flags, [SHIPPED_V8_FLAGS]);
});
