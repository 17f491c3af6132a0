import assert from "node:assert/strict";
import { runCli } from "./_run_cli.ts";

const shipped = new URL("../../config/spoke.toml", import.meta.url).pathname;

Deno.test("spoke config check accepts the shipped config and exits 0", async () => {
  const { code, stdout } = await runCli(["config", "check", shipped]);
  assert.equal(code, 0);
  assert.match(stdout, /config .*spoke\.toml: ok/);
});

Deno.test("spoke config check refuses a bad file with exit 2 and one line naming file, field, value", async () => {
  const file = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(file, `[[rules]]\nmatch = ".*"\ninterval = "often"\n`);
    const { code, stderr } = await runCli(["config", "check", file]);
    assert.equal(code, 2);
    assert.equal(
      stderr.trim(),
      `config ${file}: rules[0].interval must be a positive number, got "often"`,
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("spoke run refuses to start on a missing config file, exit 2", async () => {
  const { code, stderr } = await runCli(["run", "--config", "/nonexistent/spoke.toml"]);
  assert.equal(code, 2);
  assert.match(stderr, /^config \/nonexistent\/spoke\.toml: file not found/);
});

Deno.test("spoke run refuses a bad flag value and a bad SPOKE_* env value, exit 2", async () => {
  const flag = await runCli(["run", "--mqtt-port", "x"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^flag --mqtt-port: mqtt\.port .*got "x"/);
  const env = await runCli(["run"], { SPOKE_HTTP_PORT: "99999" });
  assert.equal(env.code, 2);
  assert.match(
    env.stderr,
    /^env SPOKE_HTTP_PORT: http\.port must be an integer 0\.\.65535, got "?99999"?$/m,
  );
});

Deno.test("spoke refuses an unknown command or flag with exit 2", async () => {
  assert.equal((await runCli(["fly"])).code, 2);
  const unknownFlag = await runCli(["run", "--nope"]);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /--nope/);
});

Deno.test("spoke version prints the version of deno.json", async () => {
  const { version } = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  const { code, stdout } = await runCli(["version"]);
  assert.equal(code, 0);
  assert.equal(stdout.trim(), `spoke ${version}`);
});

Deno.test("spoke run refuses a config whose ACL file is missing, exit 2 with one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/spoke.toml`;
    await Deno.writeTextFile(
      file,
      `[mqtt]\nport = 0\nacl_file = "${dir}/missing.acl"\n[http]\nenabled = false\n[catalog]\nbuiltin = false\n`,
    );
    const { code, stderr } = await runCli(["run", "--config", file]);
    assert.equal(code, 2);
    // The start-up log line, then the one-line reason; no stack trace.
    const lines = stderr.trim().split("\n");
    assert.match(lines.at(-1)!, /missing\.acl/);
    assert.ok(!/^\s+at /m.test(stderr), stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
