import assert from "node:assert/strict";
import { kernelSleep } from "./_kernel_sleep.ts";

Deno.test("openKernelSleep() sleeps fractions of a millisecond, never less than asked", async () => {
  using kernel = kernelSleep();
  for (const ms of [0.05, 0.3, 1.7, 2.5]) {
    const start = performance.now();
    await kernel.sleep(ms);
    const slept = performance.now() - start;
    assert.ok(slept >= ms, `asked ${ms} ms, slept ${slept} ms`);
  }
});

Deno.test("openKernelSleep() keeps the loop serving other work while it sleeps", async () => {
  using kernel = kernelSleep();
  let turns = 0;
  let sleeping = true;
  const spin = (async () => {
    while (sleeping) {
      turns++;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  })();
  await kernel.sleep(20);
  sleeping = false;
  await spin;
  // Blocking the thread would have left the timer loop one turn at most.
  assert.ok(turns > 2, `only ${turns} turns of the loop during a 20 ms sleep`);
});

Deno.test("openKernelSleep() answers nothing, zero, negative and NaN at once, and refuses after dispose", async () => {
  const kernel = kernelSleep();
  for (const ms of [0, -1, Number.NaN]) await kernel.sleep(ms);
  const pending = kernel.sleep(1);
  // Disposed with a call in flight: the call runs out, the library closes after it.
  kernel[Symbol.dispose]();
  await pending;
  await assert.rejects(kernel.sleep(1), /kernel sleep: closed/);
  kernel[Symbol.dispose]();
});

Deno.test("openKernelSleep() says why there is none without the FFI permission", async () => {
  // `deno eval` would hold every permission: the script comes on stdin to `deno run`.
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const script = `import { openKernelSleep } from "${
    new URL("../../src/schedule/mod.ts", import.meta.url).href
  }"; console.log(JSON.stringify(openKernelSleep()));`;
  const writer = command.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { code, stdout, stderr } = await command.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.match(
    JSON.parse(new TextDecoder().decode(stdout)),
    /no permission to load .*--allow-ffi=/,
  );
});
