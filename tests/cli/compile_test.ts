import assert from "node:assert/strict";

Deno.test("deno task compile builds the binary or says in one sentence why it cannot", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "compile", `${Deno.build.arch}-unknown-linux-gnu`],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  if (code === 0) {
    assert.match(out, /^built dist\/spoke-/m);
    const binary = `${root}dist/spoke-${Deno.build.arch}-unknown-linux-gnu`;
    const version = await new Deno.Command(binary, { args: ["version"], stdout: "piped" }).output();
    assert.match(new TextDecoder().decode(version.stdout), /^spoke \d+\.\d+\.\d+/);
  } else {
    assert.match(
      err,
      /^cannot compile for \S+: deno compile could not download the denort runtime/m,
    );
    assert.match(err, /DENORT_BIN/);
  }
});
