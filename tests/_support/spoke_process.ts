/**
 * Runs `spoke` commands as real child processes and reads their log lines, so
 * end-to-end tests see exactly what a user would start. One helper for every
 * test that needs a process: any signal any number of times (SIGHUP to reload,
 * SIGKILL to crash), ports parsed from the listeners' log lines.
 */

import { ALLOW_FFI_FLAG } from "../../src/libc.ts";

const MOD = new URL("../../src/cli/main.ts", import.meta.url).pathname;

export interface SpokeProcess extends AsyncDisposable {
  /** The embedded broker's port; 0 when the broker is disabled. */
  mqttPort: number;
  /** The HTTP port; 0 when HTTP is disabled. */
  httpPort: number;
  /** Every stderr line so far. */
  lines: string[];
  /**
   * The first line matching, at or after line `from` (default 0), past or
   * future. A number as second argument is the timeout in ms.
   */
  waitForLine(
    pattern: RegExp,
    options?: number | { from?: number; timeoutMs?: number },
  ): Promise<string>;
  /** Sends a signal and returns at once. */
  signal(signal: Deno.Signal): void;
  /** Resolves with the exit status, after stderr is read to the end. */
  status: Promise<Deno.CommandStatus>;
  /** Sends `signal` (default SIGTERM) once and resolves with the exit status. */
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

/** Writes the config to a temp folder and starts `spoke run --config FILE`. */
export async function startSpoke(configToml: string): Promise<SpokeProcess> {
  const dir = await Deno.makeTempDir({ prefix: "spoke-e2e-" });
  const file = `${dir}/spoke.toml`;
  await Deno.writeTextFile(file, configToml);
  return await startSpokeCommand(["run", "--config", file], { dir });
}

/** Starts `spoke run --config FILE ...args`; the file is the caller's, to rewrite between signals. */
export function spawnSpoke(configFile: string, args: string[] = []): Promise<SpokeProcess> {
  return startSpokeCommand(["run", "--config", configFile, ...args]);
}

/**
 * Starts a long-running spoke command (`run`, `demo`, `broker`) and waits
 * for the log line `ready` (default: it has scheduled its networks); `dir` is
 * removed once it has exited. Disposing it kills it (SIGKILL) unless it was
 * stopped already.
 */
export async function startSpokeCommand(
  args: string[],
  options: { dir?: string; ready?: RegExp } = {},
): Promise<SpokeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      // As deno.json's tasks and the compiled binary run it: glibc only, for the C heap trim.
      ALLOW_FFI_FLAG,
      "--v8-flags=--expose-gc",
      MOD,
      ...args,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();

  const lines: string[] = [];
  const watchers = new Set<{ pattern: RegExp; from: number; resolve: (line: string) => void }>();
  const reading = (async () => {
    let buffered = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const watcher of watchers) {
          if (lines.length - 1 >= watcher.from && watcher.pattern.test(line)) {
            watchers.delete(watcher);
            watcher.resolve(line);
          }
        }
      }
    }
  })();
  const status = (async () => {
    const result = await child.status;
    await reading;
    if (options.dir) await Deno.remove(options.dir, { recursive: true });
    return result;
  })();

  const waitForLine = (
    pattern: RegExp,
    waitOptions: number | { from?: number; timeoutMs?: number } = {},
  ): Promise<string> => {
    const { from = 0, timeoutMs = 30_000 } = typeof waitOptions === "number"
      ? { timeoutMs: waitOptions }
      : waitOptions;
    const seen = lines.slice(from).find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(
          new Error(`no log line matching ${pattern} in ${timeoutMs} ms:\n${lines.join("\n")}`),
        );
      }, timeoutMs);
      const watcher = {
        pattern,
        from,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      watchers.add(watcher);
    });
  };

  const signal = (name: Deno.Signal) => {
    try {
      child.kill(name);
    } catch {
      // already gone
    }
  };
  let killed: Promise<Deno.CommandStatus> | undefined;
  const kill = (name: Deno.Signal = "SIGTERM") => {
    killed ??= (signal(name), status);
    return killed;
  };

  try {
    // A child that dies at start fails the test at once, with its log.
    await Promise.race([
      waitForLine(options.ready ?? /scheduled \d+ networks/),
      status.then((result) => {
        throw new Error(`spoke exited with ${result.code} at start:\n${lines.join("\n")}`);
      }),
    ]);
    const port = (pattern: RegExp) =>
      Number(lines.find((l) => pattern.test(l))?.match(pattern)?.[1] ?? 0);
    return {
      mqttPort: port(/mqtt listening on [\d.]+:(\d+)/),
      httpPort: port(/http listening on [\d.]+:(\d+)/),
      lines,
      waitForLine,
      signal,
      status,
      kill,
      stop: async () => (await kill("SIGTERM")).code,
      [Symbol.asyncDispose]: async () => void await kill("SIGKILL"),
    };
  } catch (error) {
    await kill("SIGKILL");
    throw error;
  }
}
