/**
 * `deno task bench broker [--repeat N] [--quick] [--mqtt 4|5] [--v8-flags=FLAGS]`: Spoke's broker
 * beside mosquitto, in the same sitting. Starts `mosquitto` and `spoke broker` on free ports of
 * 127.0.0.1, runs /work/shared/mqtt/bench.mjs (MQTT.js clients, node) against mosquitto once and
 * against Spoke twice on the same instance (a broker must not slow down on a second run), then
 * prints a Markdown table of ratios Spoke ÷ mosquitto for BENCHMARKS.md. Needs node, mosquitto
 * and `npm install` done in the bench folder (`SPOKE_MQTT_BENCH_DIR` overrides its place).
 */
import { parseArgs } from "node:util";
import { startMosquitto, startSpoke } from "./_brokers.ts";
import { SHIPPED_V8_FLAGS } from "./_v8_flags.ts";

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
  },
});

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

const dir = await Deno.makeTempDir({ prefix: "spoke-bench-broker-" });
try {
  let mosquittoResults: CaseResult[];
  {
    await using mosquitto = await startMosquitto(dir);
    mosquittoResults = await bench(mosquitto.port, mosquitto.pid, "mosquitto");
  }
  let first: CaseResult[];
  let second: CaseResult[];
  {
    // The bench publishes on network/<class>/<tag>/update, which clients may not by default.
    await using spoke = await startSpoke(
      dir,
      ROOT,
      `[mqtt]\nprotected_topics = []\n`,
      values["v8-flags"],
    );
    first = await bench(spoke.port, spoke.pid, "spoke");
    second = await bench(spoke.port, spoke.pid, "spoke-run2");
  }

  const headline: Record<string, string> = {
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
  console.log(
    `\n| case | metric | mosquitto | spoke | spoke ÷ mosquitto | CPU-s mosq / spoke (÷) | RSS MB mosq / spoke | run 2 ÷ run 1 |`,
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const m of mosquittoResults) {
    const s = first.find((r) => r.case === m.case);
    const s2 = second.find((r) => r.case === m.case);
    const key = headline[m.case] ?? "duration_ms";
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
} finally {
  await Deno.remove(dir, { recursive: true });
}
