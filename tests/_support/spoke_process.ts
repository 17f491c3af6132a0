/**
 * Runs `spoke run` as a real child process on free ports and reads its log
 * lines, so end-to-end tests see exactly what a user would start.
 */

const MOD = new URL("../../mod.ts", import.meta.url).pathname;

export interface SpokeProcess extends AsyncDisposable {
  mqttPort: number;
  httpPort: number;
  /** Every stderr line so far. */
  lines: string[];
  /** Resolves with the first log line (past or future) that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

/** Writes the config to a temp file and starts `deno run mod.ts run --config FILE`. */
export async function startSpoke(configToml: string): Promise<SpokeProcess> {
  const dir = await Deno.makeTempDir({ prefix: "spoke-e2e-" });
  const file = `${dir}/spoke.toml`;
  await Deno.writeTextFile(file, configToml);
  return await startSpokeCommand(["run", "--config", file], dir);
}

/**
 * Starts any long-running spoke command (`run`, `demo`) that logs its
 * listeners; `dir` is removed when it stops.
 */
export async function startSpokeCommand(args: string[], dir?: string): Promise<SpokeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", "--allow-sys", MOD, ...args],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();

  const lines: string[] = [];
  const watchers = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const reading = (async () => {
    let buffered = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const watcher of watchers) {
          if (watcher.pattern.test(line)) {
            watchers.delete(watcher);
            watcher.resolve(line);
          }
        }
      }
    }
  })();

  const waitForLine = (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const seen = lines.find((line) => pattern.test(line));
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
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      watchers.add(watcher);
    });
  };

  let stopped: Promise<number> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const { code } = await child.status;
      await reading;
      if (dir) await Deno.remove(dir, { recursive: true });
      return code;
    })();
    return stopped;
  };

  try {
    const mqttLine = await waitForLine(/mqtt listening on [\d.]+:(\d+)/);
    const httpLine = await waitForLine(/http listening on [\d.]+:(\d+)/);
    return {
      mqttPort: Number(mqttLine.match(/:(\d+)\s*$/)![1]),
      httpPort: Number(httpLine.match(/:(\d+)\s*$/)![1]),
      lines,
      waitForLine,
      stop,
      [Symbol.asyncDispose]: async () => void await stop(),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
