import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startSlowFeedServer } from "../queue/_slow_feed_server.ts";
import { spawnSpoke } from "../_support/spoke_process.ts";

function configText(networks: Record<string, string>, rules: string): string {
  return `[mqtt]
port = 0
[http]
enabled = false
[catalog]
builtin = false
${rules}
${
    Object.entries(networks).map(([tag, url]) =>
      `[[networks]]\nclass = "gbfs"\ntag = "${tag}"\nname = "${tag}"\nurl = "${url}"\n`
    ).join("")
  }`;
}

Deno.test("SIGHUP applies a good config (removed stop, new start, changed reschedule) and refuses a bad one", async () => {
  await using feeds = startSlowFeedServer({ delayMs: 0 });
  const dir = await Deno.makeTempDir({ prefix: "spoke-reload-" });
  const file = `${dir}/spoke.toml`;
  const rule = (interval: number) => `[[rules]]\nmatch = "gbfs::keep"\ninterval = ${interval}`;
  await Deno.writeTextFile(
    file,
    configText({ keep: feeds.url("keep"), gone: feeds.url("gone") }, rule(3600)),
  );
  await using spoke = await spawnSpoke(file);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${spoke.mqttPort}`, {
    reconnectPeriod: 0,
  });
  const arrived = new Map<string, PromiseWithResolvers<void>>();
  const arrival = (tag: string) => {
    if (!arrived.has(tag)) arrived.set(tag, Promise.withResolvers<void>());
    return arrived.get(tag)!;
  };
  client.on("message", (topic) => arrival(topic.split("/")[2]!).resolve());
  await client.subscribeAsync("network/#");
  try {
    await Promise.all([arrival("keep").promise, arrival("gone").promise]);

    // Good: "gone" leaves, "new" comes, "keep" changes its interval.
    const good = configText({ keep: feeds.url("keep"), new: feeds.url("new") }, rule(1800));
    await Deno.writeTextFile(file, good);
    let from = spoke.lines.length;
    spoke.signal("SIGHUP");
    const reloaded = await spoke.waitForLine(/reloaded:/, { from });
    assert.match(reloaded, /1 added, 1 removed, 1 rescheduled/);
    await arrival("new").promise;

    // Bad: refused with the usual error; the running plan stays and the process keeps going.
    await Deno.writeTextFile(file, good.replace("interval = 1800", 'interval = "often"'));
    from = spoke.lines.length;
    spoke.signal("SIGHUP");
    const refused = await spoke.waitForLine(/config refused/, { from });
    assert.match(refused, /rules\[0\]\.interval must be a positive number, got "often"/);
    assert.match(refused, new RegExp(file.replaceAll("/", "\\/")));
    // Still alive and still scheduling: one more good reload goes through.
    await Deno.writeTextFile(file, good);
    from = spoke.lines.length;
    spoke.signal("SIGHUP");
    assert.match(
      await spoke.waitForLine(/reloaded:/, { from }),
      /0 added, 0 removed, 0 rescheduled/,
    );
  } finally {
    await client.endAsync();
  }
  spoke.signal("SIGTERM");
  assert.equal((await spoke.status).code, 0);
  assert.equal(feeds.requests.has("gone"), true);
  await Deno.remove(dir, { recursive: true });
});
