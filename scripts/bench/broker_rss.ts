/**
 * `deno task bench broker_rss [--clients N] [--runs N] [--v8-flags=FLAGS]`: the memory of an MQTT broker holding N
 * idle clients (default 1,000), for the "RSS ≤ 64 MiB with 1,000 clients". Measures, in
 * the same sitting and one after another: mosquitto (the anchor), `spoke broker` as the tasks run
 * it, and two floors — `deno run` of an idle script and a bare Deno TCP server that holds the same
 * sockets with a 1 KiB read pending on each (what any Deno program pays per connection). The
 * clients are one child process (`_broker_rss_clients.ts`): bare TCP, an MQTT 3.1.1 CONNECT with
 * keep-alive 600 each, CONNACK read. VmRSS / RssAnon / RssFile from /proc/PID/status, idle and 3 s
 * after the last client connected (Spoke's memory trim runs a second or two after a burst of
 * connections ends, src/cli/memory_trim.ts); medians of the runs. When `dist/spoke/main.js` exists (`deno task
 * bundle`), the same broker run from that bundle too, with `--no-config` as the binary runs.
 */
import { ALLOW_FFI_FLAG } from "../../src/libc.ts";
import { parseArgs } from "node:util";
import { freePort } from "./_brokers.ts";
import { SHIPPED_V8_FLAGS } from "./_v8_flags.ts";
import { median } from "./_median.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const HERE = new URL(".", import.meta.url).pathname;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    // The flags deno.json's tasks and the compiled binary use; another set measures a variant.
    "v8-flags": { type: "string", default: SHIPPED_V8_FLAGS },
  },
});
const V8_FLAGS = `--v8-flags=${values["v8-flags"]}`;
const clients = Number(values.clients);
const runs = Number(values.runs);
if (!Number.isInteger(clients) || clients < 1 || !Number.isInteger(runs) || runs < 1) {
  console.error(`--clients and --runs must be positive integers, got ${clients} and ${runs}`);
  Deno.exit(2);
}

interface Memory {
  vmRss: number;
  rssAnon: number;
  rssFile: number;
}

/** Memory of `pid` in MB (10^6 bytes, as bench.mjs reports). */
async function memoryOf(pid: number): Promise<Memory> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return {
    vmRss: kb("VmRSS") * 1024 / 1e6,
    rssAnon: kb("RssAnon") * 1024 / 1e6,
    rssFile: kb("RssFile") * 1024 / 1e6,
  };
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Subject {
  name: string;
  /** Spawns the server on `port`; `speaksMqtt` false = no CONNACK to wait for. */
  spawn(port: number, dir: string): Deno.ChildProcess;
  speaksMqtt: boolean;
  /** No port: measured idle only. */
  idleOnly?: boolean;
}

const deno = (args: string[]) =>
  new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" }).spawn();

const subjects: Subject[] = [
  {
    name: "`deno run` of an idle script (floor)",
    speaksMqtt: false,
    idleOnly: true,
    spawn: () => deno(["eval", V8_FLAGS, "setInterval(() => {}, 1000)"]),
  },
  {
    name: "bare Deno TCP server, 1 KiB read pending per socket (floor)",
    speaksMqtt: false,
    spawn: (port) =>
      deno(["run", "--allow-net", V8_FLAGS, `${HERE}_broker_rss_bare.ts`, `${port}`]),
  },
  {
    name: "mosquitto 2.0.11",
    speaksMqtt: true,
    spawn: (port, dir) => {
      Deno.writeTextFileSync(
        `${dir}/mosquitto.conf`,
        `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`,
      );
      return new Deno.Command("mosquitto", {
        args: ["-c", `${dir}/mosquitto.conf`],
        stdout: "null",
        stderr: "null",
      }).spawn();
    },
  },
  {
    name: "`spoke broker`",
    speaksMqtt: true,
    spawn: (port) =>
      deno([
        "run",
        ...["--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys"],
        ALLOW_FFI_FLAG,
        V8_FLAGS,
        `${ROOT}src/cli/main.ts`,
        ...["broker", "-p", `${port}`, "--log-level", "warning"],
      ]),
  },
];

// The bundle (`deno task bundle`), as `deno compile` of it would run: no npm loader.
const bundle = `${ROOT}dist/spoke/main.js`;
if (await Deno.stat(bundle).then(() => true, () => false)) {
  subjects.push({
    name: "`spoke broker` from the bundle (dist/spoke/main.js)",
    speaksMqtt: true,
    spawn: (port) =>
      deno([
        "run",
        // As the compiled binary, which reads no deno.json (nor its lock and npm state) and,
        // compiled with --no-code-cache, maps no code cache.
        "--no-config",
        "--no-code-cache",
        ...["--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys"],
        ALLOW_FFI_FLAG,
        V8_FLAGS,
        bundle,
        ...["broker", "-p", `${port}`, "--log-level", "warning"],
      ]),
  });
}

async function measure(subject: Subject): Promise<{ idle: Memory; loaded?: Memory }> {
  const dir = await Deno.makeTempDir({ prefix: "spoke-bench-rss-" });
  const port = freePort();
  const server = subject.spawn(port, dir);
  try {
    if (!subject.idleOnly) await waitForPort(port);
    await sleep(3000);
    const idle = await memoryOf(server.pid);
    if (subject.idleOnly) return { idle };
    const load = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${HERE}_broker_rss_clients.ts`,
        `${port}`,
        `${clients}`,
        subject.speaksMqtt ? "mqtt" : "raw",
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = load.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    while (!said.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the clients ended before connecting: ${said}`);
      said += value;
    }
    await sleep(3000);
    const loaded = await memoryOf(server.pid);
    load.kill("SIGTERM");
    await reader.cancel();
    await load.status;
    return { idle, loaded };
  } finally {
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
}

const cell = (memories: Memory[], key: keyof Memory) =>
  median(memories.map((m) => m[key])).toFixed(1);

console.log(
  `| process (${clients} clients, medians of ${runs}) | idle VmRSS MB | loaded VmRSS | RssAnon | RssFile | per client KB |`,
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const subject of subjects) {
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await measure(subject));
  const idle = results.map((r) => r.idle);
  const loaded = results.flatMap((r) => r.loaded ?? []);
  if (loaded.length === 0) {
    console.log(
      `| ${subject.name} | ${cell(idle, "vmRss")} | | ${cell(idle, "rssAnon")} | ${
        cell(idle, "rssFile")
      } | |`,
    );
    continue;
  }
  const perClient = (median(loaded.map((m) => m.vmRss)) - median(idle.map((m) => m.vmRss))) * 1e3 /
    clients;
  console.log(
    `| ${subject.name} | ${cell(idle, "vmRss")} | ${cell(loaded, "vmRss")} | ${
      cell(loaded, "rssAnon")
    } | ${cell(loaded, "rssFile")} | ${perClient.toFixed(1)} |`,
  );
}
