/**
 * `deno task bench broker_retained [--rounds N] [--qos 0|1] [--mqtt 4|5] [--baseline REV]
 * [--inflight N] [--fresh] [--v8-flags=F] [--compare-v8-flags=F]`: the "1,000 retained
 * messages to a new subscriber no slower than mosquitto", measured so that the machine's drift cannot decide it. bench.mjs's `retained` case
 * runs all its samples on one broker, then all on the next; its samples moved 12 – 64 ms for the
 * same broker. Here one node process (`_retained_client.mjs`, MQTT.js as in bench.mjs) stores the
 * same 1,000 retained 4 KiB messages on mosquitto and on `spoke broker` (and, with `--baseline`,
 * on Spoke built from that git revision), then takes rounds: a new subscriber to `network/#` on
 * each broker in turn. Reported per broker: medians of the time to the first message, to the
 * 17th (the first past a broker's first write, which Spoke makes after 16: a gap there is the
 * subscriber waiting for the rest to be made) and to the last, and of the broker's CPU per round
 * (all its threads, from /proc/PID/task/\*\/schedstat), then ratios to mosquitto. `--inflight` sets Spoke's
 * `max_inflight` (default 1000; mosquitto's is 20); `--fresh` publishes the set anew 200 ms before
 * each round, as bench.mjs does before each of its samples. `--v8-flags` runs Spoke with other
 * V8 flags than the shipped ones; `--compare-v8-flags` adds a second Spoke from this tree with
 * those flags, in the same rounds. Needs node, mosquitto and `npm ci` in the
 * MQTT bench folder (`SPOKE_MQTT_BENCH_DIR`, default /work/shared/mqtt).
 */
import { parseArgs } from "node:util";
import { type RunningBroker, startMosquitto, startSpoke } from "./_brokers.ts";
import { SHIPPED_V8_FLAGS } from "./_v8_flags.ts";

const BENCH_DIR = Deno.env.get("SPOKE_MQTT_BENCH_DIR") ?? "/work/shared/mqtt";
// `spoke broker` inherits this environment and refuses SPOKE_* names it does not know.
Deno.env.delete("SPOKE_MQTT_BENCH_DIR");
const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const HERE = new URL(".", import.meta.url).pathname;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "40" },
    qos: { type: "string", default: "1" },
    mqtt: { type: "string", default: "4" },
    baseline: { type: "string" },
    // Spoke's `max_inflight` (its default is 1000; mosquitto's max_inflight_messages is 20).
    inflight: { type: "string" },
    // New messages before each round, as bench.mjs publishes them in each of its samples.
    fresh: { type: "boolean", default: false },
    "v8-flags": { type: "string", default: SHIPPED_V8_FLAGS },
    "compare-v8-flags": { type: "string" },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a positive integer, got ${values.rounds}`);
  Deno.exit(2);
}
if (values.inflight !== undefined && !/^[1-9][0-9]*$/.test(values.inflight)) {
  console.error(`--inflight must be a positive integer, got ${values.inflight}`);
  Deno.exit(2);
}
if (!["0", "1"].includes(values.qos) || !["4", "5"].includes(values.mqtt)) {
  console.error(`--qos must be 0 or 1 and --mqtt 4 or 5, got ${values.qos} and ${values.mqtt}`);
  Deno.exit(2);
}

/** The tree of `rev` (`git archive`) in `dir`, to run Spoke as it was. */
async function checkout(rev: string, dir: string): Promise<string> {
  const tree = `${dir}/baseline`;
  await Deno.mkdir(tree);
  const archive = new Deno.Command("git", {
    args: ["-C", ROOT, "archive", rev],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const untar = new Deno.Command("tar", { args: ["-x", "-C", tree], stdin: "piped" }).spawn();
  await archive.stdout.pipeTo(untar.stdin);
  const [archived, untarred] = await Promise.all([archive.output(), untar.status]);
  if (!archived.success || !untarred.success) {
    throw new Error(`git archive ${rev}: ${new TextDecoder().decode(archived.stderr).trim()}`);
  }
  return tree;
}

interface Result {
  broker: string;
  firstMs: number;
  msg17Ms: number;
  lastMs: number;
  cpuMs: number;
}

const dir = await Deno.makeTempDir({ prefix: "spoke-bench-retained-" });
const inflight = values.inflight === undefined ? "" : `max_inflight = ${Number(values.inflight)}\n`;
const toml = `[mqtt]\nprotected_topics = []\n${inflight}`;
const brokers: RunningBroker[] = [];
try {
  brokers.push(await startMosquitto(dir));
  if (values.baseline !== undefined) {
    const tree = await checkout(values.baseline, dir);
    brokers.push(await startSpoke(dir, tree, toml, undefined, `spoke@${values.baseline}`));
  }
  brokers.push(await startSpoke(dir, ROOT, toml, values["v8-flags"]));
  const compared = values["compare-v8-flags"];
  if (compared !== undefined) {
    brokers.push(await startSpoke(dir, ROOT, toml, compared, `spoke[${compared}]`));
  }
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args: [
      `${HERE}_retained_client.mjs`,
      BENCH_DIR,
      `${rounds}`,
      values.qos,
      values.mqtt,
      values.fresh ? "fresh" : "stored",
      ...brokers.map((b) => `${b.name}:${b.port}:${b.pid}`),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`_retained_client.mjs: ${new TextDecoder().decode(stderr)}`);
  const results = new TextDecoder().decode(stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((line) => {
      console.log(line);
      const parsed = JSON.parse(line);
      return {
        broker: parsed.broker,
        firstMs: parsed.first_ms,
        msg17Ms: parsed.msg17_ms,
        lastMs: parsed.last_ms,
        cpuMs: parsed.cpu_ms,
      } as Result;
    });
  const anchor = results[0]!;
  console.log(
    `\n${rounds} rounds, QoS ${values.qos}, MQTT ${
      values.mqtt === "5" ? "5.0" : "3.1.1"
    }, Spoke's max_inflight ${values.inflight ?? "default"}\n`,
  );
  console.log(
    "| broker | first ms | 17th ms | last ms | ÷ mosquitto | CPU ms / round | ÷ mosquitto |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.broker} | ${r.firstMs.toFixed(2)} | ${r.msg17Ms.toFixed(2)} | ${
        r.lastMs.toFixed(1)
      } | ${(r.lastMs / anchor.lastMs).toFixed(2)} | ${r.cpuMs.toFixed(2)} | ${
        (r.cpuMs / anchor.cpuMs).toFixed(2)
      } |`,
    );
  }
} finally {
  for (const broker of brokers.reverse()) await broker[Symbol.asyncDispose]();
  await Deno.remove(dir, { recursive: true });
}
