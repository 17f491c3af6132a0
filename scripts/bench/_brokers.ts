/**
 * The brokers the broker benchmarks start side by side: mosquitto with its defaults (anonymous,
 * no persistence) and `spoke broker` from a source tree, as the tasks run it, each on a free port
 * of 127.0.0.1 and stopped by `await using`.
 */
import { ALLOW_FFI_FLAG } from "../../src/libc.ts";
import { SHIPPED_V8_FLAGS } from "./_v8_flags.ts";

/** A broker process listening on `port`. */
export interface RunningBroker extends AsyncDisposable {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
}

/** A port nothing listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForPort(port: number, child: Deno.ChildProcess, name: string): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  for (let attempt = 0; attempt < 400; attempt++) {
    if (exited) throw new Error(`${name} exited before listening on ${port}`);
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`${name} did not listen on ${port}`);
}

async function running(
  name: string,
  port: number,
  child: Deno.ChildProcess,
): Promise<RunningBroker> {
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Gone already.
    }
    await child.status;
  };
  try {
    await waitForPort(port, child, name);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, port, pid: child.pid, [Symbol.asyncDispose]: stop };
}

/** mosquitto on a free port, its config written into `dir`. */
export function startMosquitto(dir: string, name = "mosquitto"): Promise<RunningBroker> {
  const port = freePort();
  const config = `${dir}/mosquitto-${port}.conf`;
  Deno.writeTextFileSync(
    config,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`,
  );
  const child = new Deno.Command("mosquitto", {
    args: ["-c", config],
    stdout: "null",
    stderr: "null",
  }).spawn();
  return running(name, port, child);
}

/**
 * `spoke broker` from the source tree at `root` on a free port, with `toml` as its config (the
 * benchmarks publish on `network/…`, which clients may not by default: pass
 * `protected_topics = []`).
 */
export function startSpoke(
  dir: string,
  root: string,
  toml: string,
  v8Flags: string = SHIPPED_V8_FLAGS,
  name = "spoke",
): Promise<RunningBroker> {
  const port = freePort();
  const config = `${dir}/spoke-${port}.toml`;
  Deno.writeTextFileSync(config, toml);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      // As the tasks and the binary run it: the memory trim may load glibc.
      ALLOW_FFI_FLAG,
      ...(v8Flags === "" ? [] : [`--v8-flags=${v8Flags}`]),
      `${root}/src/cli/main.ts`,
      "broker",
      "-p",
      `${port}`,
      "-c",
      config,
      "--log-level",
      "warning",
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  return running(name, port, child);
}
