/**
 * `[publish] broker = "mqtts://…"` with `[publish] ca`: `spoke run` publishes
 * to a real mosquitto that speaks only TLS, read back by mosquitto_sub
 * --cafile; a broker whose certificate the CA does not vouch for gets nothing.
 */
import assert from "node:assert/strict";
import { startFeedServer } from "../scrape/_feed_server.ts";
import { selfSignedCert } from "../_support/self_signed_cert.ts";
import { spawnSpoke } from "../_support/spoke_process.ts";
import { runCli } from "../cli/_run_cli.ts";
import { startMosquitto } from "./_mosquitto.ts";

const SET = "gbfs-v2.3-divvy-chicago";

function configText(brokerUrl: string, ca: string, feedUrl: string): string {
  return `
[mqtt]
enabled = false
[http]
enabled = false
[publish]
broker = "${brokerUrl}"
ca = ${JSON.stringify(ca)}
[catalog]
builtin = false
[[rules]]
match = ".*"
interval = 3600
jitter = 0
[[networks]]
class = "gbfs"
tag = "tls-city"
name = "TLS City"
url = "${feedUrl}"
`;
}

/** The first retained message under network/# of the TLS mosquitto, by mosquitto_sub. */
async function retainedOverTls(port: number, caFile: string): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("mosquitto_sub", {
    args: [
      ...["-h", "127.0.0.1", "-p", String(port), "--cafile", caFile, "-V", "mqttv5"],
      ...["-t", "network/#", "-C", "1", "-W", "20", "-F", "%r %t"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout).trim();
}

Deno.test("spoke run publishes to an mqtts:// mosquitto trusting [publish] ca", async () => {
  await using cert = await selfSignedCert();
  await using mosquitto = await startMosquitto({ tls: cert });
  await using feeds = startFeedServer();
  const dir = await Deno.makeTempDir({ prefix: "spoke-mqtts-" });
  try {
    const file = `${dir}/spoke.toml`;
    await Deno.writeTextFile(file, configText(mosquitto.url, cert.certFile, feeds.url(SET)));
    await using spoke = await spawnSpoke(file);
    await spoke.waitForLine(/external broker mqtts:\/\/127\.0\.0\.1:\d+ connected/);
    await spoke.waitForLine(/published gbfs::tls-city:/);
    assert.equal(
      await retainedOverTls(mosquitto.port, cert.certFile),
      "1 network/gbfs/tls-city/update",
    );
    assert.equal(await spoke.stop(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an mqtts:// broker whose certificate the ca does not sign gets nothing", async () => {
  await using brokerCert = await selfSignedCert();
  await using otherCa = await selfSignedCert();
  await using mosquitto = await startMosquitto({ tls: brokerCert });
  await using feeds = startFeedServer();
  const dir = await Deno.makeTempDir({ prefix: "spoke-mqtts-" });
  try {
    const file = `${dir}/spoke.toml`;
    await Deno.writeTextFile(file, configText(mosquitto.url, otherCa.certFile, feeds.url(SET)));
    await using spoke = await spawnSpoke(file);
    // The scrape still happens; the state is held, not sent to a broker that could be anyone.
    await spoke.waitForLine(/published gbfs::tls-city:/);
    await spoke.waitForLine(/external broker mqtts:\/\/127\.0\.0\.1:\d+: .*certificate/i);
    assert.ok(!spoke.lines.some((line) => /external broker .* connected/.test(line)));
    assert.equal(await spoke.stop(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unreadable [publish] ca is a config error naming the field", async () => {
  const dir = await Deno.makeTempDir({ prefix: "spoke-mqtts-" });
  try {
    const file = `${dir}/spoke.toml`;
    await Deno.writeTextFile(
      file,
      configText("mqtts://127.0.0.1:8883", `${dir}/missing.pem`, "http://127.0.0.1:9/gbfs.json"),
    );
    const { code, stderr } = await runCli(["run", "--config", file]);
    assert.equal(code, 2);
    assert.match(stderr, /publish\.ca cannot be read/);
    assert.match(stderr, /missing\.pem/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
