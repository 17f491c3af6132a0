import assert from "node:assert/strict";
import { runCli } from "./_run_cli.ts";

Deno.test("spoke selftest starts a broker, scrapes, publishes, subscribes and exits 0", async () => {
  const { code, stdout, stderr } = await runCli(["selftest"]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^selftest ok: network\/gbfs\/demo-[a-z0-9-]+\/update with \d+ stations/);
});

Deno.test("deno task bundle builds one file that runs selftest with a fresh DENO_DIR, --cached-only", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "bundle"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr) + out);
  assert.match(out, /selftest ok: /);
  assert.match(out, /the bundle ran selftest standalone \((x86_64|aarch64)\)/);
});
