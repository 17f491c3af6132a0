import assert from "node:assert/strict";
import { parsePasswordFile, verifyPassword } from "../../src/broker/password_file.ts";

const MOD = new URL("../../mod.ts", import.meta.url).pathname;

/** Runs `spoke passwd ARGS` with `stdin`; returns the exit code and stderr. */
async function passwd(args: string[], stdin: string): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MOD, "passwd", ...args],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const { code, stderr } = await child.output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

Deno.test("spoke passwd FILE USER adds, changes and deletes users", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/users`;
    assert.equal((await passwd([file, "alice"], "first\n")).code, 0);
    assert.equal((await passwd([file, "bob"], "builder\n")).code, 0);
    assert.equal((await passwd([file, "alice"], "second\n")).code, 0);
    let users = parsePasswordFile(await Deno.readTextFile(file));
    assert.deepEqual([...users.keys()].sort(), ["alice", "bob"]);
    assert.equal(await verifyPassword(users.get("alice")!, "second"), true);
    assert.equal(await verifyPassword(users.get("alice")!, "first"), false);
    assert.equal(await verifyPassword(users.get("bob")!, "builder"), true);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.equal((await passwd(["-D", file, "bob"], "")).code, 0);
    users = parsePasswordFile(await Deno.readTextFile(file));
    assert.deepEqual([...users.keys()], ["alice"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spoke passwd refuses bad input with exit 2 and changes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/users`;
    await Deno.writeTextFile(file, "broken line\n");
    for (
      const [args, stdin, message] of [
        [[file, "alice"], "pw\n", /line 1/],
        [[`${dir}/new`, "bad:name"], "pw\n", /user name/],
        [[`${dir}/new`, "alice"], "", /no password/],
        [[file], "", /usage/],
      ] as const
    ) {
      const { code, stderr } = await passwd([...args], stdin);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    }
    assert.equal(await Deno.readTextFile(file), "broken line\n");
    await assert.rejects(Deno.stat(`${dir}/new`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
