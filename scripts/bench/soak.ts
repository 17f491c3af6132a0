/**
 * `deno task bench soak [--minutes 30] [--networks 2000]`: the real `spoke run`
 * with N simulated GBFS networks at 60 s (jitter 5 s) and the SQLite store on,
 * against a local feed server whose counts move every minute. Samples RSS,
 * CPU and stored rows every 10 s; prints RSS after the first full round and at
 * the end (goal: flat within 5 %), CPU seconds per minute and SQLite rows
 * written per second.
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";

const { values } = parseArgs({
  args: Deno.args,
  options: { minutes: { type: "string" }, networks: { type: "string" } },
});
const minutes = Number(values.minutes ?? 30);
const networks = Number(values.networks ?? 2000);
const here = new URL(".", import.meta.url);
const mod = new URL("../../mod.ts", import.meta.url).pathname;

const feed = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net", "--allow-read", new URL("_soak_feed_server.ts", here).pathname],
  stdout: "piped",
}).spawn();
const feedReader = feed.stdout.pipeThrough(new TextDecoderStream()).getReader();
const port = Number((await feedReader.read()).value?.match(/listening (\d+)/)?.[1]);

const dir = await Deno.makeTempDir({ prefix: "spoke-soak-" });
const db = `${dir}/spoke.db`;
const toml = [
  `[log]\nlevel = "warning"\n[mqtt]\nport = 0\n[http]\nport = 0\n[catalog]\nbuiltin = false`,
  `[store]\nsqlite = "${db}"\n[queues]\ndefault = 8`,
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
    "--v8-flags=--max-semi-space-size=2",
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
  let rows = 0;
  try {
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
  return { at: performance.now() / 1000, cpuS, rssMiB, rows };
};

const samples: Awaited<ReturnType<typeof sample>>[] = [];
const endAt = performance.now() + minutes * 60_000;
while (performance.now() < endAt) {
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  samples.push(await sample());
  const last = samples.at(-1)!;
  console.error(
    `t=${(samples.length * 10).toString().padStart(5)}s rss=${last.rssMiB.toFixed(1)} MiB cpu=${
      last.cpuS.toFixed(1)
    } s rows=${last.rows}`,
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
const result = {
  networks,
  minutes,
  rssStartMiB: +start.rssMiB.toFixed(1),
  rssEndMiB: +end.rssMiB.toFixed(1),
  rssGrowthPercent: +((end.rssMiB / start.rssMiB - 1) * 100).toFixed(1),
  rssMaxMiB: +Math.max(...samples.map((s) => s.rssMiB)).toFixed(1),
  cpuSecondsPerMinute: +((end.cpuS - start.cpuS) / span * 60).toFixed(2),
  sqliteRowsPerSecond: +((end.rows - start.rows) / span).toFixed(1),
};
console.log(JSON.stringify(result));
