/**
 * `deno task bench scrape`: parse and normalise a 2,000-station GBFS 2.3
 * system served locally, Spoke (`scrapeGbfs`) against pybikes 1.0.8 (the
 * scraper library of CityBikes) on the same URL, end to end (HTTP included)
 * and parse-only (documents in memory); stations per CPU-second, CPU and wall
 * time per scrape, peak RSS. Three feeds:
 *
 * - `static`: the same bytes at every request, Spoke with nothing cached (the
 *   benchmark as it was first written);
 * - `live`: station_status and free_bike_status change at every request, the
 *   rest does not, as real feeds behave; Spoke with a FeedCache as `spoke run`
 *   has, without freshness (every document asked for every scrape);
 * - `churn`: the worst case, every document changes at every request; Spoke
 *   with the same FeedCache.
 *
 * Then one round of the whole built-in catalog against the same local server.
 * Each side runs in its own process; the feed server in a third.
 *
 * pybikes: `PYBIKES_PYTHON` names a Python that imports it; otherwise a venv
 * is made once under `$XDG_CACHE_HOME/spoke-bench/` from a git dir of
 * eskerda/pybikes (`PYBIKES_GIT_DIR`, default /work/.mirror/eskerda+pybikes/repo):
 * `git archive 1.0.8`, then `SETUPTOOLS_SCM_PRETEND_VERSION=1.0.8 pip install`.
 * Without either, only Spoke's numbers are printed.
 *
 * Options: `--stations N` (2000), `--rounds N` (30), `--warmup N` (10: Spoke's JIT
 * settles, as in a process that runs for days; CPython has none),
 * `--workers N` (8, for the catalog round), `--v8-flags F` (Spoke's; default the
 * shipped heap flags, `SHIPPED_HEAP_FLAGS`; "" for V8's defaults), `--feeds LIST`
 * (`static,live,churn`: the feeds to run, in that order), `--no-catalog` (skip
 * the catalog round).
 */
import { parseArgs } from "node:util";
import { SHIPPED_HEAP_FLAGS } from "./_v8_flags.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    stations: { type: "string" },
    rounds: { type: "string" },
    warmup: { type: "string" },
    workers: { type: "string" },
    "v8-flags": { type: "string", default: SHIPPED_HEAP_FLAGS },
    feeds: { type: "string", default: "static,live,churn" },
    "no-catalog": { type: "boolean", default: false },
  },
});
const here = new URL(".", import.meta.url);
const STATIONS = values.stations ?? "2000";
const ROUNDS = values.rounds ?? "30";
const WARMUP = values.warmup ?? "10";
/** Spoke runs with the V8 flags it ships with (deno.json's tasks, scripts/compile.ts); "" for none. */
const V8_FLAGS = values["v8-flags"];
const PYBIKES_VERSION = "1.0.8";

interface Result {
  side: string;
  mode: string;
  feed?: string;
  rounds?: number;
  stations: number;
  cpuS: number;
  wallS: number;
  peakRssKiB: number;
  networks?: number;
  ok?: number;
  failed?: number;
  firstFailures?: string[];
}

async function output(command: string, args: string[], env?: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${code}: ${new TextDecoder().decode(stderr)}`,
    );
  }
  return text;
}

/** A Python that imports pybikes 1.0.8, made once; undefined when it cannot be had. */
async function pybikesPython(): Promise<string | undefined> {
  const given = Deno.env.get("PYBIKES_PYTHON");
  if (given) return given;
  const cacheRoot = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  const root = `${cacheRoot}/spoke-bench/pybikes-${PYBIKES_VERSION}`;
  const python = `${root}/venv/bin/python`;
  try {
    await output(python, ["-c", "import pybikes.gbfs"]);
    return python;
  } catch {
    // Not made yet (or broken): make it below.
  }
  const gitDir = Deno.env.get("PYBIKES_GIT_DIR") ?? "/work/.mirror/eskerda+pybikes/repo";
  try {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.mkdir(`${root}/src`, { recursive: true });
    const archive = await new Deno.Command("git", {
      args: [`--git-dir=${gitDir}`, "archive", PYBIKES_VERSION],
      stdout: "piped",
    }).output();
    if (archive.code !== 0) throw new Error(`git archive ${PYBIKES_VERSION} from ${gitDir} failed`);
    const tar = new Deno.Command("tar", { args: ["-x", "-C", `${root}/src`], stdin: "piped" })
      .spawn();
    const writer = tar.stdin.getWriter();
    await writer.write(archive.stdout);
    await writer.close();
    if (!(await tar.status).success) throw new Error("tar failed");
    await output("python3", ["-m", "venv", `${root}/venv`]);
    const pip = `${root}/venv/bin/pip`;
    // pybikes' GBFS module needs requests, lxml and shapely; its cssselect
    // (for HTML scrapers) is not on every package index, and GBFS never loads it.
    await output(pip, ["install", "-q", "requests", "lxml", "shapely>=1.5.13"]);
    await output(pip, ["install", "-q", "--no-deps", `${root}/src`], {
      SETUPTOOLS_SCM_PRETEND_VERSION: PYBIKES_VERSION,
    });
    await output(python, ["-c", "import pybikes.gbfs"]);
    return python;
  } catch (error) {
    console.error(
      `pybikes ${PYBIKES_VERSION} unavailable, Spoke only: ${(error as Error).message}`,
    );
    return undefined;
  }
}

async function startServer(): Promise<{ origin: string; stop: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("_scrape_feed_server.ts", here).pathname, "--stations", STATIONS],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening \d+\n/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error("feed server exited before listening");
    seen += value;
  }
  const port = /listening (\d+)/.exec(seen)![1];
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel();
    },
  };
}

async function spoke(args: string[], feed?: string): Promise<Result> {
  const text = await output(Deno.execPath(), [
    "run",
    "-A",
    ...(V8_FLAGS === "" ? [] : [`--v8-flags=${V8_FLAGS}`]),
    new URL("_scrape_spoke.ts", here).pathname,
    ...args,
  ]);
  return { ...(JSON.parse(text.trim().split("\n").at(-1)!) as Result), ...(feed ? { feed } : {}) };
}

async function pybikes(python: string, mode: string, url: string, feed: string): Promise<Result> {
  const script = new URL("_scrape_pybikes.py", here).pathname;
  const text = await output(python, [script, mode, url, ROUNDS, WARMUP]);
  return { ...(JSON.parse(text.trim().split("\n").at(-1)!) as Result), feed };
}

// Both sides read the same STATIONS stations; pybikes publishes fewer (it
// drops stations not installed), so the rate counts the stations read.
const perCpuSecond = (r: Result) => (Number(STATIONS) * r.rounds!) / r.cpuS;
const mib = (kib: number) => (kib / 1024).toFixed(0);

function row(r: Result): string {
  return [
    `${r.feed} ${r.side} ${r.mode}`.padEnd(22),
    `${r.stations}`.padStart(9),
    `${Math.round(perCpuSecond(r))}`.padStart(14),
    `${((r.cpuS / r.rounds!) * 1000).toFixed(1)}`.padStart(10),
    `${((r.wallS / r.rounds!) * 1000).toFixed(1)}`.padStart(10),
    `${mib(r.peakRssKiB)}`.padStart(9),
  ].join(" ");
}

const python = await pybikesPython();
const server = await startServer();
try {
  const known = ["static", "live", "churn"] as const;
  const feeds = values.feeds.split(",").map((name) => {
    const feed = known.find((k) => k === name.trim());
    if (feed === undefined) throw new Error(`--feeds: unknown feed ${name}, not one of ${known}`);
    return feed;
  });
  const path = { static: "big", live: "live", churn: "churn" };
  const results: Result[] = [];
  for (const feed of feeds) {
    const url = `${server.origin}/${path[feed]}/gbfs.json`;
    const common = ["--url", url, "--rounds", ROUNDS, "--warmup", WARMUP];
    if (feed !== "static") common.push("--cache");
    for (const mode of ["e2e", "parse"]) {
      results.push(await spoke(["--mode", mode, ...common], feed));
      if (python) results.push(await pybikes(python, mode, url, feed));
    }
  }
  console.log(
    `GBFS 2.3, ${STATIONS} stations, ${ROUNDS} measured scrapes after ${WARMUP} warm-up, each side its own process, Spoke's V8 flags: ${
      V8_FLAGS || "none"
    }`,
  );
  console.log(
    `${"feed side mode".padEnd(22)} ${"published".padStart(9)} ${"stations/CPU-s".padStart(14)} ${
      "CPU ms".padStart(10)
    } ${"wall ms".padStart(10)} ${"peak MiB".padStart(9)}`,
  );
  for (const r of results) console.log(row(r));
  for (const feed of feeds) {
    for (const mode of ["e2e", "parse"]) {
      const ours = results.find((r) => r.side === "spoke" && r.mode === mode && r.feed === feed)!;
      const theirs = results.find((r) =>
        r.side === "pybikes" && r.mode === mode && r.feed === feed
      );
      if (theirs) {
        console.log(
          `${feed} ${mode}: Spoke ${
            (perCpuSecond(ours) / perCpuSecond(theirs)).toFixed(1)
          }x pybikes per CPU-second, ` +
            `${(theirs.wallS / ours.wallS).toFixed(1)}x wall, RSS ${mib(ours.peakRssKiB)} vs ${
              mib(theirs.peakRssKiB)
            } MiB`,
        );
      }
    }
  }
  console.log(`JSON ${JSON.stringify(results)}`);
  if (!values["no-catalog"]) {
    const catalog = await spoke([
      "--mode",
      "catalog",
      "--origin",
      server.origin,
      "--workers",
      values.workers ?? "8",
    ]);
    console.log(
      `catalog round: ${catalog.networks} networks (${catalog.ok} ok, ${catalog.failed} failed), ` +
        `${catalog.stations} stations, wall ${catalog.wallS.toFixed(2)} s, CPU ${
          catalog.cpuS.toFixed(2)
        } s, ` +
        `peak RSS ${mib(catalog.peakRssKiB)} MiB, ${values.workers ?? "8"} at once`,
    );
    for (const failure of catalog.firstFailures ?? []) console.log(`  failed: ${failure}`);
  }
} finally {
  await server.stop();
}
