// The client side of `deno task bench broker_retained`, run by node with MQTT.js from the MQTT
// bench folder (the same client as /work/shared/mqtt/bench.mjs):
//   node _retained_client.mjs BENCH_DIR ROUNDS QOS MQTT_VERSION stored|fresh NAME:PORT:PID...
// Stores 1,000 retained 4 KiB messages on every broker, then for each round subscribes a new
// client to `network/#` on each broker in turn and times the SUBSCRIBE to the first, the 17th and
// the last message; with `fresh`, the set is published anew (new messages, as bench.mjs does in
// each of its samples) 200 ms before each round. Alternating rounds spread drift of the machine
// over all brokers alike. Each broker's CPU for a round (all its threads,
// /proc/PID/task/*/schedstat, in ns) is read around it. Prints one JSON line per broker; the
// retained messages are cleared at the end.
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";

const [benchDir, roundsArg, qosArg, mqttArg, freshArg, ...specs] = process.argv.slice(2);
const FRESH = freshArg === "fresh";
const require = createRequire(`${benchDir}/`);
const mqtt = require("mqtt");
const ROUNDS = Number(roundsArg);
const QOS = Number(qosArg);
const PROTOCOL = Number(mqttArg);
const COUNT = 1000;
const brokers = specs.map((spec) => {
  const [name, port, pid] = spec.split(":");
  return {
    name,
    port: Number(port),
    pid: Number(pid),
    first: [],
    afterStep: [],
    last: [],
    cpuMs: [],
  };
});
const topics = Array.from({ length: COUNT }, (_, i) => `network/c${i % 5}/r${i}/update`);
const payload = Buffer.alloc(4096, "x");

function cpuNs(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return total;
}

const options = () => ({
  protocolVersion: PROTOCOL,
  reconnectPeriod: 0,
  clientId: `rt-${Math.random().toString(36).slice(2)}`,
});

async function publishAll(client, body) {
  // 200 QoS 1 publishes in flight: each broker has stored the last batch before the next.
  for (let i = 0; i < COUNT; i += 200) {
    await Promise.all(
      topics.slice(i, i + 200).map((t) => client.publishAsync(t, body, { qos: 1, retain: true })),
    );
  }
}

async function round(broker) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, options());
  let received = 0;
  let firstAt = 0;
  let afterStepAt = 0;
  let resolveDone;
  const done = new Promise((resolve) => {
    resolveDone = resolve;
  });
  client.on("message", (_topic, message) => {
    if (message.length !== payload.length) return;
    if (received === 0) firstAt = performance.now();
    // The 17th: past the first 16, the most a broker sends before it goes on making the rest.
    if (received === 16) afterStepAt = performance.now();
    if (++received === COUNT) resolveDone(performance.now());
  });
  const cpuBefore = cpuNs(broker.pid);
  const start = performance.now();
  await client.subscribeAsync("network/#", { qos: QOS });
  const timeout = new Promise((resolve) => setTimeout(() => resolve(NaN), 30_000));
  const lastAt = await Promise.race([done, timeout]);
  broker.cpuMs.push((cpuNs(broker.pid) - cpuBefore) / 1e6);
  broker.first.push(firstAt - start);
  broker.afterStep.push(afterStepAt - start);
  broker.last.push(lastAt - start);
  await client.endAsync();
  if (Number.isNaN(lastAt)) {
    throw new Error(`${broker.name}: ${received} of ${COUNT} retained messages in 30 s`);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};

const publishers = [];
for (const broker of brokers) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, options());
  await publishAll(client, payload);
  publishers.push(client);
}
for (let r = 0; r < ROUNDS; r++) {
  for (const [index, broker] of brokers.entries()) {
    if (FRESH) {
      await publishAll(publishers[index], payload);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await round(broker);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
for (const client of publishers) {
  await publishAll(client, "");
  await client.endAsync();
}
for (const b of brokers) {
  console.log(JSON.stringify({
    broker: b.name,
    rounds: ROUNDS,
    qos: QOS,
    mqtt: PROTOCOL === 5 ? "5.0" : "3.1.1",
    first_ms: median(b.first),
    msg17_ms: median(b.afterStep),
    last_ms: median(b.last),
    cpu_ms: median(b.cpuMs),
    samples_last_ms: b.last.map((v) => Math.round(v * 10) / 10),
  }));
}
process.exit(0);
