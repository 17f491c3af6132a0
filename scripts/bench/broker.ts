/**
 * `deno task bench broker [--repeat N] [--quick] [--mqtt 4|5] [--v8-flags=FLAGS] [--cases A,B]
 * [--sittings N]`: Spoke's broker beside mosquitto, in the same sitting. Starts `mosquitto` and
 * `spoke broker` on free ports of 127.0.0.1, runs /work/shared/mqtt/bench.mjs (MQTT.js clients,
 * node) against mosquitto once and against Spoke twice on the same instance (a broker must not
 * slow down on a second run), then prints a Markdown table of ratios Spoke ÷ mosquitto for
 * BENCHMARKS.md. Needs node, mosquitto and `npm install` done in the bench folder
 * (`SPOKE_MQTT_BENCH_DIR` overrides its place).
 *
 * With `--sittings N` (N ≥ 2) it starts a fresh pair of brokers N times instead, one bench.mjs run
 * on each, the order turned round every sitting, and prints each case's ratio per sitting and
 * their median: one run's ratio moves by ±30 % with the machine, and a fresh broker's first run
 * is the number the issue asks for.
 */
import { parseArgs } from "node:util";
import { startMosquitto, startSpoke } from "./_brokers.ts";
import { SHIPPED_V8_FLAGS } from "./_v8_flags.ts";
import { median } from "./_median.ts";

const BENCH_DIR = Deno.env.get("SPOKE_MQTT_BENCH_DIR") ?? "/work/shared/mqtt";
// `spoke broker` inherits this environment and refuses SPOKE_* names it does not know.
Deno.env.delete("SPOKE_MQTT_BENCH_DIR");
const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    repeat: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    mqtt: { type: "string", default: "4" },
    // The flag deno.json tasks and the compiled binary use (see BENCHMARKS.md, Broker).
    "v8-flags": { type: "string", default: SHIPPED_V8_FLAGS },
    cases: { type: "string", default: "" },
    sittings: { type: "string", default: "1" },
  },
});
const SITTINGS = Number(values.sittings);
if (!Number.isInteger(SITTINGS) || SITTINGS < 1) {
  console.error(`--sittings must be a whole number ≥ 1, got "${values.sittings}"`);
  Deno.exit(2);
}

interface CaseResult {
  case: string;
  label: string;
  [metric: string]: unknown;
}

async function bench(port: number, pid: number, label: string): Promise<CaseResult[]> {
  const args = [
    `${BENCH_DIR}/bench.mjs`,
    "--port",
    `${port}`,
    "--label",
    label,
    "--pid",
    `${pid}`,
    "--repeat",
    values.repeat,
    "--mqtt",
    values.mqtt,
  ];
  if (values.quick) args.push("--quick");
  if (values.cases !== "") args.push("--cases", values.cases);
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args,
    cwd: BENCH_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`bench.mjs failed: ${new TextDecoder().decode(stderr)}`);
  const lines = new TextDecoder().decode(stdout).split("\n").filter((l) => l.startsWith("{"));
  for (const line of lines) console.log(line);
  return lines.map((line) => JSON.parse(line) as CaseResult);
}

const HEADLINE: Record<string, string> = {
  "fanout10_q0": "delivered_per_s",
  "fanout10_q1": "delivered_per_s",
  "fanout100_q0": "delivered_per_s",
  "fanout100_q1": "delivered_per_s",
  "small_q0": "msgs_per_s",
  "small_q1": "msgs_per_s",
  storm: "duration_ms",
  retained: "duration_ms",
};
const num = (result: CaseResult | undefined, key: string) =>
  typeof result?.[key] === "number" ? result[key] as number : NaN;
const fmt = (value: number, digits = 2) => Number.isFinite(value) ? value.toFixed(digits) : "–";
// The bench publishes on network/<class>/<tag>/update, which clients may not by default.
const SPOKE_CONFIG = `[mqtt]\nprotected_topics = []\n`;

const dir = await Deno.makeTempDir({ prefix: "spoke-bench-broker-" });
try {
  if (SITTINGS > 1) await sittings(SITTINGS);
  else await oneSitting();
} finally {
  await Deno.remove(dir, { recursive: true });
}

/** Fresh brokers `count` times, one run each, mosquitto first in every other sitting. */
async function sittings(count: number): Promise<void> {
  const perCase = new Map<string, { mosquitto: CaseResult; spoke: CaseResult }[]>();
  for (let sitting = 0; sitting < count; sitting++) {
    const results: Record<string, CaseResult[]> = {};
    const order = sitting % 2 === 0 ? ["mosquitto", "spoke"] : ["spoke", "mosquitto"];
    for (const name of order) {
      await using broker = name === "mosquitto"
        ? await startMosquitto(dir)
        : await startSpoke(dir, ROOT, SPOKE_CONFIG, values["v8-flags"]);
      results[name] = await bench(broker.port, broker.pid, name);
    }
    for (const m of results.mosquitto!) {
      const s = results.spoke!.find((r) => r.case === m.case);
      if (s === undefined) continue;
      const runs = perCase.get(m.case) ?? [];
      runs.push({ mosquitto: m, spoke: s });
      perCase.set(m.case, runs);
    }
  }
  console.log(
    `\n${count} sittings, fresh brokers each, mosquitto first in sittings 1, 3, …\n`,
  );
  console.log(
    "| case | metric | spoke ÷ mosquitto per sitting | median ÷ | mosquitto median | spoke median | every sample, median ÷ | CPU-s ÷ median |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const [name, runs] of perCase) {
    const key = HEADLINE[name] ?? "duration_ms";
    const ratios = runs.map((r) => num(r.spoke, key) / num(r.mosquitto, key));
    const cpu = runs.map((r) => num(r.spoke, "broker_cpu_s") / num(r.mosquitto, "broker_cpu_s"));
    const samples = (side: "mosquitto" | "spoke") =>
      median(runs.flatMap((r) => (r[side].samples as number[] | undefined) ?? []));
    console.log(
      `| ${name} | ${key} | ${ratios.map((r) => fmt(r)).join(" ")} | **${fmt(median(ratios))}** | ${
        fmt(median(runs.map((r) => num(r.mosquitto, key))), 0)
      } | ${fmt(median(runs.map((r) => num(r.spoke, key))), 0)} | ${
        fmt(samples("spoke") / samples("mosquitto"))
      } | ${fmt(median(cpu))} |`,
    );
  }
}

/** One pair of brokers: mosquitto once, Spoke twice on one instance. */
async function oneSitting(): Promise<void> {
  let mosquittoResults: CaseResult[];
  {
    await using mosquitto = await startMosquitto(dir);
    mosquittoResults = await bench(mosquitto.port, mosquitto.pid, "mosquitto");
  }
  let first: CaseResult[];
  let second: CaseResult[];
  {
    await using spoke = await startSpoke(dir, ROOT, SPOKE_CONFIG, values["v8-flags"]);
    first = await bench(spoke.port, spoke.pid, "spoke");
    second = await bench(spoke.port, spoke.pid, "spoke-run2");
  }

  console.log(
    `\n| case | metric | mosquitto | spoke | spoke ÷ mosquitto | CPU-s mosq / spoke (÷) | RSS MB mosq / spoke | run 2 ÷ run 1 |`,
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const m of mosquittoResults) {
    const s = first.find((r) => r.case === m.case);
    const s2 = second.find((r) => r.case === m.case);
    const key = HEADLINE[m.case] ?? "duration_ms";
    const cpuM = num(m, "broker_cpu_s");
    const cpuS = num(s, "broker_cpu_s");
    console.log(
      `| ${m.case} | ${key} | ${fmt(num(m, key), 0)} | ${fmt(num(s, key), 0)} | ${
        fmt(num(s, key) / num(m, key))
      } | ${fmt(cpuM)} / ${fmt(cpuS)} (${fmt(cpuS / cpuM)}) | ${
        fmt(num(m, "broker_rss_kb") / 1024, 0)
      } / ${fmt(num(s, "broker_rss_kb") / 1024, 0)} | ${fmt(num(s2, key) / num(s, key))} |`,
    );
  }
}
