/**
 * `deno task bench schedule`: Spoke's scheduler and queue engine against
 * APScheduler 3 (hyper's model, `schedule_apscheduler.py`), side by side on
 * this machine, with the same load against the same local feed server
 * (`_feed_server.ts`, its own process): N networks, interval 60 s, jitter 5 s,
 * 8 workers, one fetch (body parsed) per run.
 *
 * Each engine runs in its own process; this one samples the child's CPU
 * (/proc/<pid>/stat) every second and its RSS at the end of the window, and
 * subtracts the RSS of the bare runtime (an idle `deno` / `python`). The
 * children report drift (start − due, jitter included) and queue wait (push →
 * start) of the runs that started inside the window.
 *
 * Spoke side: the real engine as src/spoke.ts wires it: Scheduler → TaskQueue
 * (breaker, metrics registry) with a class semaphore and one per network, and
 * the scrapers' HTTP path (`fetchJson` of src/scrape/http.ts: size cap, UTF-8
 * check, JSON parse, over one `HttpClient` with kept-alive connections, as
 * spoke.ts passes it) with the task's AbortSignal. The scheduler hands `onDue` each
 * run's due time and lateness, which is the drift reported. The child runs
 * as `spoke run` does: the V8 flags deno.json's `spoke` task ships
 * (`SHIPPED_V8_FLAGS`) and the memory trim every 30 s; it
 * imports only the engine (schedule, queue, metrics) and the scrapers.
 *
 * Environment: BENCH_V8_FLAGS (the Spoke child's and bare runtime's, default
 * Spoke's own), BENCH_SIZES (default "2000,10000"), BENCH_WARM_S (30),
 * BENCH_WINDOW_S (60), BENCH_RUNS (1; the median is reported), BENCH_ENGINES
 * (default "spoke,apscheduler"; `spoke-fetch` is Spoke through `fetch`,
 * without the client; `spoke-coarse` is Spoke without the kernel sleep,
 * its runs left to Deno's timer), BENCH_PYTHON (default: a venv made once under
 * $XDG_CACHE_HOME/spoke-bench/ with `apscheduler<4` and aiohttp from pip).
 */
import { CircuitBreaker, Semaphore, TaskQueue } from "../../src/queue/mod.ts";
import { openKernelSleep, Scheduler } from "../../src/schedule/mod.ts";
import { MetricsRegistry } from "../../src/metrics/mod.ts";
import { fetchJson, HttpClient } from "../../src/scrape/mod.ts";
import { startMemoryTrim } from "../../src/cli/memory_trim.ts";
import { SHIPPED_V8_FLAGS } from "./_v8_flags.ts";
import { median } from "./_median.ts";

const INTERVAL_S = 60;
const JITTER_S = 5;
const WORKERS = 8;
/** `[scrape] max_bytes`' default. */
const MAX_BYTES = 16_777_216;
/**
 * As deno.json's `spoke` task runs Spoke: a small young generation and the memory trim
 * (src/cli/memory_trim.ts, which needs `gc()` and glibc's `malloc_trim`) are part of the product.
 */
const SPOKE_V8_FLAGS = [
  `--v8-flags=${Deno.env.get("BENCH_V8_FLAGS") ?? SHIPPED_V8_FLAGS}`,
];
const here = new URL(".", import.meta.url);

interface ChildReport {
  drift: number[];
  wait: number[];
  executions: number;
  errors: number;
  missed?: number;
  skipped: number;
  /** Spoke only: Deno.memoryUsage() at the end of the window. */
  memory?: { rss: number; heapTotal: number; heapUsed: number; external: number };
}

if (Deno.args[0] === "--child") {
  await child(Deno.args.slice(1, 5).map(Number), Deno.args.slice(5));
} else await orchestrate();

// ---------------------------------------------------------------- Spoke child

async function child(
  [networks = 0, warm = 0, window = 0, port = 0]: number[],
  variant: string[],
): Promise<void> {
  const viaFetch = variant.includes("fetch");
  const url = `http://127.0.0.1:${port}`;
  const drift: number[] = [];
  const wait: number[] = [];
  const counts = { executions: 0, errors: 0, skipped: 0 };
  let readyAt = 0;
  const inWindow = (now: number) =>
    now - readyAt >= warm * 1000 && now - readyAt < (warm + window) * 1000;

  const metrics = new MetricsRegistry();
  const queue = new TaskQueue("default", WORKERS, {
    breaker: new CircuitBreaker(),
    metrics,
    onError: () => counts.errors++,
  });
  const classSemaphore = new Semaphore("class bench", WORKERS);
  // One client for the process, as src/spoke.ts makes it; its idle connections per host match
  // what may be in flight to the one host here (no host limit: the 8 workers).
  // `spoke-fetch` goes through fetch instead, as before the client (and as a library user does).
  const http = viaFetch ? undefined : new HttpClient({ maxIdlePerOrigin: WORKERS });
  const networkSemaphores = new Map<string, Semaphore>();
  // The scheduler hands each run its due time and how late it fires (drift, jitter included).
  // As src/spoke.ts does, unless the run is to show the timer alone.
  const opened = variant.includes("coarse") ? undefined : openKernelSleep();
  if (typeof opened === "string") throw new Error(`bench child: no kernel sleep: ${opened}`);
  const kernelSleep = opened;
  const scheduler = new Scheduler((key, _dueAt, lateMs) => {
    const now = performance.now();
    const queuedAt = now;
    const result = queue.push({
      key,
      semaphores: [classSemaphore, networkSemaphores.get(key)!],
      timeoutMs: 30_000,
      retries: 0,
      run: async (signal) => {
        const started = performance.now();
        if (inWindow(started)) {
          wait.push(started - queuedAt);
          counts.executions++;
        }
        await fetchJson(`${url}/${key}/station_status.json`, {
          signal,
          maxBytes: MAX_BYTES,
          userAgent: "spoke-bench",
          ...(http === undefined ? {} : { http }),
        });
      },
    });
    if (result !== "queued") counts.skipped++;
    else if (inWindow(now)) drift.push(lateMs);
  }, { metrics, ...(kernelSleep === undefined ? {} : { kernelSleep }) });
  for (let index = 0; index < networks; index++) {
    const key = `bench::net-${index}`;
    networkSemaphores.set(key, new Semaphore(`network ${key}`, 1));
    scheduler.add(key, { interval: INTERVAL_S, jitter: JITTER_S, runAtStart: true });
  }
  // As `spoke run` does: glibc's arenas and V8's committed heap given back every 30 s.
  using _trim = startMemoryTrim();
  readyAt = performance.now();
  console.log("ready");
  await new Promise((resolve) => setTimeout(resolve, (warm + window) * 1000));
  // Where the RSS goes, read before teardown (the parent reads the RSS itself 0.5 s earlier).
  const memory = Deno.memoryUsage();
  scheduler.stop();
  await queue.close();
  http?.close();
  console.log(JSON.stringify({ drift, wait, ...counts, memory }));
}

// --------------------------------------------------------------- orchestrator

interface Result {
  engine: string;
  networks: number;
  cpuS: number;
  executions: number;
  cpuMsPerExecution: number;
  cpuPercent: number;
  peakPercent: number;
  rssMiB: number;
  rssGrowthMiB: number;
  /** The growth split: anonymous memory (heaps, malloc) and pages of the executable and libraries. */
  rssAnonGrowthMiB: number;
  rssFileGrowthMiB: number;
  drift: Percentiles;
  wait: Percentiles;
  errors: number;
  skipped: number;
  missed: number;
  /** Spoke only: the V8 heap (total) and external memory at the end of the window. */
  heapMiB?: number;
  externalMiB?: number;
}

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

async function orchestrate(): Promise<void> {
  const sizes = (Deno.env.get("BENCH_SIZES") ?? "2000,10000").split(",").map(Number);
  const warm = Number(Deno.env.get("BENCH_WARM_S") ?? 30);
  const window = Number(Deno.env.get("BENCH_WINDOW_S") ?? 60);
  const runs = Number(Deno.env.get("BENCH_RUNS") ?? 1);
  const python = Deno.env.get("BENCH_PYTHON") ?? await apschedulerPython();
  const engines = (Deno.env.get("BENCH_ENGINES") ?? "spoke,apscheduler").split(",")
    .filter((engine): engine is "spoke" | "spoke-fetch" | "spoke-coarse" | "apscheduler" =>
      ["spoke", "spoke-fetch", "spoke-coarse", "apscheduler"].includes(engine)
    );
  const ticks = 100; // USER_HZ on Linux

  const feed = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", new URL("_feed_server.ts", here).pathname],
    stdout: "piped",
  }).spawn();
  const feedLines = lines(feed.stdout);
  const port = Number((await feedLines.next()).value?.split(" ")[1]);

  const bare = {
    spoke: await bareRss(Deno.execPath(), [
      "eval",
      ...SPOKE_V8_FLAGS,
      "await new Promise((r) => setTimeout(r, 3000))",
    ]),
    apscheduler: await bareRss(python, ["-c", "import time; time.sleep(3)"]),
  };
  console.log(
    `feed server on ${port}; bare RSS: deno ${mib(bare.spoke.total)} MiB (file ${
      mib(bare.spoke.file)
    }), python ${mib(bare.apscheduler.total)} MiB (file ${
      mib(bare.apscheduler.file)
    }); warm ${warm} s, window ${window} s, ${runs} run(s)`,
  );

  const all: Result[] = [];
  for (const networks of sizes) {
    for (let run = 0; run < runs; run++) {
      for (const engine of engines) {
        const args = [String(networks), String(warm), String(window), String(port)];
        const runtime = engine === "apscheduler" ? "apscheduler" : "spoke";
        const command = runtime === "spoke"
          ? new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              ...SPOKE_V8_FLAGS,
              new URL("schedule.ts", here).pathname,
              "--child",
              ...args,
              ...(engine === "spoke-fetch"
                ? ["fetch"]
                : engine === "spoke-coarse"
                ? ["coarse"]
                : []),
            ],
            stdout: "piped",
          })
          : new Deno.Command(python, {
            args: [new URL("schedule_apscheduler.py", here).pathname, ...args],
            stdout: "piped",
          });
        const process = command.spawn();
        const out = lines(process.stdout);
        if ((await out.next()).value !== "ready") throw new Error(`${engine} did not start`);
        const readyAt = performance.now();
        const samples: Array<{ at: number; cpu: number }> = [];
        const sampler = setInterval(() => {
          const cpu = cpuTicks(process.pid);
          if (cpu !== undefined) samples.push({ at: performance.now() - readyAt, cpu });
        }, 1000);
        let rss = { total: 0, anon: 0, file: 0 };
        const rssTimer = setTimeout(
          () => rss = rssBytes(process.pid),
          (warm + window) * 1000 - 500,
        );
        const report = JSON.parse((await out.next()).value ?? "{}") as ChildReport;
        clearInterval(sampler);
        clearTimeout(rssTimer);
        await process.status;
        const inside = samples.filter((s) =>
          s.at >= warm * 1000 - 500 && s.at <= (warm + window) * 1000
        );
        const cpuS = (inside.at(-1)!.cpu - inside[0]!.cpu) / ticks;
        const spanS = (inside.at(-1)!.at - inside[0]!.at) / 1000;
        let peak = 0;
        for (let i = 1; i < inside.length; i++) {
          const dt = (inside[i]!.at - inside[i - 1]!.at) / 1000;
          peak = Math.max(peak, (inside[i]!.cpu - inside[i - 1]!.cpu) / ticks / dt);
        }
        const result: Result = {
          engine,
          networks,
          cpuS,
          executions: report.executions,
          cpuMsPerExecution: (cpuS * 1000) / Math.max(1, report.executions),
          cpuPercent: (100 * cpuS) / spanS,
          peakPercent: 100 * peak,
          rssMiB: rss.total / 2 ** 20,
          rssGrowthMiB: (rss.total - bare[runtime].total) / 2 ** 20,
          rssAnonGrowthMiB: (rss.anon - bare[runtime].anon) / 2 ** 20,
          rssFileGrowthMiB: (rss.file - bare[runtime].file) / 2 ** 20,
          drift: percentiles(report.drift),
          wait: percentiles(report.wait),
          errors: report.errors,
          skipped: report.skipped,
          missed: report.missed ?? 0,
          heapMiB: report.memory && report.memory.heapTotal / 2 ** 20,
          externalMiB: report.memory && report.memory.external / 2 ** 20,
        };
        all.push(result);
        console.log(JSON.stringify(result));
      }
    }
  }
  feed.kill("SIGTERM");
  await feed.status;
  for await (const _ of feedLines) { /* drain */ }

  console.log("\nmedians:");
  console.log(
    "| engine | networks | CPU ms/exec | CPU % core | 1-s peak % | RSS growth MiB (anon + file) | drift p50/p99/max ms | wait p50/p99/max ms |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const networks of sizes) {
    for (const engine of engines) {
      const group = all.filter((r) => r.engine === engine && r.networks === networks);
      const m = (pick: (r: Result) => number) => median(group.map(pick));
      const triple = (pick: (r: Result) => Percentiles) =>
        [m((r) => pick(r).p50), m((r) => pick(r).p99), m((r) => pick(r).max)].map((v) =>
          v.toFixed(1)
        )
          .join(" / ");
      console.log(
        `| ${engine} | ${networks} | ${m((r) => r.cpuMsPerExecution).toFixed(3)} | ${
          m((r) => r.cpuPercent).toFixed(1)
        } | ${m((r) => r.peakPercent).toFixed(0)} | ${m((r) => r.rssGrowthMiB).toFixed(1)} (${
          m((r) => r.rssAnonGrowthMiB).toFixed(1)
        } + ${m((r) => r.rssFileGrowthMiB).toFixed(1)}) | ${triple((r) => r.drift)} | ${
          triple((r) => r.wait)
        } |`,
      );
    }
  }
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
    }
  }
  if (buffer) yield buffer;
}

function cpuTicks(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

interface Rss {
  total: number;
  /** RssAnon: heaps, malloc, stacks. */
  anon: number;
  /** RssFile: pages of the executable and libraries the process has touched (shared, clean). */
  file: number;
}

function rssBytes(pid: number): Rss {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { total: kib("VmRSS"), anon: kib("RssAnon"), file: kib("RssFile") };
}

async function bareRss(program: string, args: string[]): Promise<Rss> {
  const process = new Deno.Command(program, { args, stdout: "null" }).spawn();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rss = rssBytes(process.pid);
  await process.status;
  return rss;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** A Python with APScheduler 3 and aiohttp: a venv made once in the user's cache. */
async function apschedulerPython(): Promise<string> {
  const cacheRoot = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  const root = `${cacheRoot}/spoke-bench/apscheduler3`;
  const python = `${root}/bin/python`;
  const run = async (command: string, args: string[]) => {
    const { code, stderr } = await new Deno.Command(command, {
      args,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    if (code !== 0) {
      throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
    }
  };
  try {
    await run(python, ["-c", "import apscheduler, aiohttp"]);
  } catch {
    await run("python3", ["-m", "venv", root]);
    await run(`${root}/bin/pip`, ["install", "-q", "apscheduler<4", "aiohttp"]);
  }
  return python;
}
