/**
 * `deno task bench soak [--minutes 30] [--networks 2000] [--cache-bytes N]
 * [--no-sqlite] [--inspect PORT] [--v8-flags F]`: the real `spoke run` with N simulated GBFS
 * networks at 60 s (jitter 5 s) and the SQLite store on, against a local feed
 * server whose counts move every minute. Samples every 10 s RSS and CPU (from
 * `/proc`), the V8 heap, external memory, the feed cache and the rows written
 * (from `GET /stats`) and the database file; prints them after the first full
 * round and at the end (goal: RSS flat within 5 %), CPU seconds per minute,
 * SQLite rows and snapshots written per second. `--inspect` opens the V8 inspector for heap
 * snapshots taken from outside.
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { SHIPPED_V8_FLAGS } from "./_v8_flags.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string" },
    networks: { type: "string" },
    "cache-bytes": { type: "string" },
    "no-sqlite": { type: "boolean" },
    inspect: { type: "string" },
    // What scripts/compile.ts ships; other V8 flags are for comparing, not for figures.
    "v8-flags": { type: "string", default: SHIPPED_V8_FLAGS },
  },
});
const minutes = Number(values.minutes ?? 30);
const networks = Number(values.networks ?? 2000);
const here = new URL(".", import.meta.url);
const mod = new URL("../../src/cli/main.ts", import.meta.url).pathname;

const feed = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net", "--allow-read", new URL("_soak_feed_server.ts", here).pathname],
  stdout: "piped",
}).spawn();
const feedReader = feed.stdout.pipeThrough(new TextDecoderStream()).getReader();
const port = Number((await feedReader.read()).value?.match(/listening (\d+)/)?.[1]);

// A port known before the start, so /stats can be read without parsing logs.
const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const httpPort = probe.addr.port;
probe.close();

const dir = await Deno.makeTempDir({ prefix: "spoke-soak-" });
const db = values["no-sqlite"] ? "" : `${dir}/spoke.db`;
const cacheBytes = values["cache-bytes"] === undefined
  ? ""
  : `cache_bytes = ${values["cache-bytes"]}`;
const toml = [
  `[log]\nlevel = "warning"\n[mqtt]\nport = 0\n[http]\nport = ${httpPort}\n[catalog]\nbuiltin = false`,
  `[store]\nsqlite = "${db}"\n[queues]\ndefault = 8\n[scrape]\n${cacheBytes}`,
  `[[rules]]\nmatch = ".*"\ninterval = 60\njitter = 5`,
  ...Array.from(
    { length: networks },
    (_, i) =>
      `[[networks]]\nclass = "gbfs"\ntag = "soak-${i}"\nname = "Soak ${i}"\n` +
      `url = "http://127.0.0.1:${port}/n/${i}/gbfs.json"\n` +
      `location = { city = "Soak", country = "ES", latitude = 40.4, longitude = -3.7 }`,
  ),
].join("\n");
await Deno.writeTextFile(`${dir}/spoke.toml`, toml);

const spoke = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    `--v8-flags=${values["v8-flags"]}`,
    ...(values.inspect === undefined ? [] : [`--inspect=127.0.0.1:${values.inspect}`]),
    mod,
    "run",
    "--config",
    `${dir}/spoke.toml`,
  ],
  stdout: "null",
  stderr: "null",
}).spawn();

const ticksPerS = 100;
const sample = async () => {
  const stat = (await Deno.readTextFile(`/proc/${spoke.pid}/stat`)).split(") ")[1]!.split(" ");
  const cpuS = (Number(stat[11]) + Number(stat[12])) / ticksPerS;
  const status = await Deno.readTextFile(`/proc/${spoke.pid}/status`);
  const rssMiB = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
  const mib = (bytes: number | undefined) => (bytes ?? 0) / 2 ** 20;
  let stats: Stats | undefined;
  try {
    stats = await (await fetch(`http://127.0.0.1:${httpPort}/stats`)).json();
  } catch {
    // not listening yet
  }
  let rows = 0;
  let dbMiB = 0;
  try {
    for (const suffix of ["", "-wal"]) dbMiB += mib((await Deno.stat(db + suffix)).size);
  } catch {
    // no database (yet)
  }
  try {
    if (db === "") throw new Error("no database");
    const reader = new DatabaseSync(db, { readOnly: true });
    for (
      const { name } of reader.prepare("SELECT name FROM sqlite_master WHERE type='table'")
        .all() as Array<{ name: string }>
    ) {
      rows += Number(
        (reader.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
      );
    }
    reader.close();
  } catch {
    // not created yet
  }
  return {
    at: performance.now() / 1000,
    cpuS,
    rssMiB,
    heapUsedMiB: mib(stats?.process.heapUsedBytes),
    heapTotalMiB: mib(stats?.process.heapTotalBytes),
    externalMiB: mib(stats?.process.externalBytes),
    cacheMiB: mib(stats?.feedCache?.bytes),
    cacheEntries: stats?.feedCache?.entries ?? 0,
    rowsWritten: stats?.history?.rowsWritten ?? 0,
    snapshotsWritten: stats?.history?.snapshotsWritten ?? 0,
    dbMiB,
    rows,
  };
};

/** The part of `GET /stats` read here. */
interface Stats {
  process: { heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  feedCache?: { entries: number; bytes: number };
  history?: { rowsWritten: number; snapshotsWritten: number };
}

const samples: Awaited<ReturnType<typeof sample>>[] = [];
const endAt = performance.now() + minutes * 60_000;
while (performance.now() < endAt) {
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  samples.push(await sample());
  const last = samples.at(-1)!;
  console.error(
    `t=${(samples.length * 10).toString().padStart(5)}s rss=${last.rssMiB.toFixed(1)} MiB ` +
      `heap=${last.heapUsedMiB.toFixed(1)}/${last.heapTotalMiB.toFixed(1)} ` +
      `ext=${last.externalMiB.toFixed(1)} cache=${last.cacheMiB.toFixed(1)} MiB ` +
      `(${last.cacheEntries}) db=${last.dbMiB.toFixed(1)} MiB cpu=${last.cpuS.toFixed(1)} s ` +
      `rows=${last.rows}`,
  );
}
spoke.kill("SIGTERM");
await spoke.status;
feed.kill("SIGTERM");
await feed.status;
await Deno.remove(dir, { recursive: true });

// The first full round ends after one interval plus jitter: start measuring at 90 s.
const start = samples.find((s) => s.at - samples[0]!.at >= 80) ?? samples[0]!;
const end = samples.at(-1)!;
const span = end.at - start.at;
const round = (value: number) => +value.toFixed(1);
// One sample is taken anywhere in a round: mid-round it catches the round's
// garbage not yet collected. The lowest RSS of a minute is the level between
// rounds, compared like with like: the minute after the first full round
// against the last minute.
const lowest = (from: number, to: number) =>
  Math.min(
    ...samples.filter((s) => s.at >= from && s.at < to).map((s) => s.rssMiB),
  );
const settledStart = lowest(start.at, start.at + 60);
const settledEnd = lowest(end.at - 59, end.at + 1);
const perMinute = [];
for (let from = samples[0]!.at; from <= end.at; from += 60) {
  const minute = samples.filter((s) => s.at >= from && s.at < from + 60);
  if (minute.length === 0) continue;
  perMinute.push(
    `${Math.round((from - samples[0]!.at) / 60) + 1}: ${
      round(Math.min(...minute.map((s) => s.rssMiB)))
    }-${round(Math.max(...minute.map((s) => s.rssMiB)))}`,
  );
}
console.error(`RSS per minute, lowest-highest MiB: ${perMinute.join(", ")}`);
const result = {
  networks,
  minutes,
  cacheBytes: values["cache-bytes"] ?? "default",
  sqlite: db !== "",
  v8Flags: values["v8-flags"],
  rssStartMiB: round(start.rssMiB),
  rssEndMiB: round(end.rssMiB),
  rssGrowthPercent: round((end.rssMiB / start.rssMiB - 1) * 100),
  rssMaxMiB: round(Math.max(...samples.map((s) => s.rssMiB))),
  rssBetweenRoundsStartMiB: round(settledStart),
  rssBetweenRoundsEndMiB: round(settledEnd),
  rssBetweenRoundsGrowthPercent: round((settledEnd / settledStart - 1) * 100),
  heapUsedStartMiB: round(start.heapUsedMiB),
  heapUsedEndMiB: round(end.heapUsedMiB),
  heapTotalStartMiB: round(start.heapTotalMiB),
  heapTotalEndMiB: round(end.heapTotalMiB),
  externalStartMiB: round(start.externalMiB),
  externalEndMiB: round(end.externalMiB),
  feedCacheEndMiB: round(end.cacheMiB),
  databaseEndMiB: round(end.dbMiB),
  cpuSecondsPerMinute: +((end.cpuS - start.cpuS) / span * 60).toFixed(2),
  sqliteRowsPerSecond: round((end.rowsWritten - start.rowsWritten) / span),
  sqliteSnapshotsPerSecond: round((end.snapshotsWritten - start.snapshotsWritten) / span),
  databaseGrowthMiBPerMinute: +((end.dbMiB - start.dbMiB) / span * 60).toFixed(2),
};
console.log(JSON.stringify(result));
