import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IConnackPacket } from "mqtt-packet";
import type { Broker } from "../../src/broker/mod.ts";
import {
  formatPasswordLine,
  hashPassword,
  parsePasswordFile,
  PasswordFileError,
  verifyPassword,
} from "../../src/broker/password_file.ts";
import { connectBytes, connectClient, RawClient, startBroker } from "./_helpers.ts";

/** Few iterations: these tests check the logic, not the cost of a guess. */
const TEST_ITERATIONS = 1000;

async function passwordFile(users: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    lines.push(formatPasswordLine(user, await hashPassword(password, TEST_ITERATIONS)));
  }
  return `# users\n${lines.join("\n")}\n`;
}

Deno.test("hashPassword() salts: one password gives two hashes, both verify", async () => {
  const first = await hashPassword("secret", TEST_ITERATIONS);
  const second = await hashPassword("secret", TEST_ITERATIONS);
  assert.notDeepEqual(first.salt, second.salt);
  assert.notDeepEqual(first.hash, second.hash);
  assert.equal(await verifyPassword(first, "secret"), true);
  assert.equal(await verifyPassword(second, "secret"), true);
  assert.equal(await verifyPassword(first, "Secret"), false);
});

Deno.test("parsePasswordFile() round-trips formatPasswordLine()", async () => {
  const entry = await hashPassword("pw", TEST_ITERATIONS);
  const parsed = parsePasswordFile(formatPasswordLine("alice", entry));
  assert.deepEqual(parsed.get("alice"), entry);
});

for (
  const [name, text] of [
    ["no colon", "alice"],
    ["an unknown scheme", "alice:$md5$1000$c2FsdA==$aGFzaA=="],
    ["a bad iteration count", "alice:$pbkdf2-sha256$many$c2FsdA==$aGFzaA=="],
    ["a hash of the wrong size", "alice:$pbkdf2-sha256$1000$c2FsdA==$aGFzaA=="],
    ["bad base64", "alice:$pbkdf2-sha256$1000$!!!$!!!"],
  ] as const
) {
  Deno.test(`parsePasswordFile() refuses ${name}, naming the line`, () => {
    assert.throws(
      () => parsePasswordFile(`# header\n${text}\n`, "users.txt"),
      (error: Error) =>
        error instanceof PasswordFileError && /users\.txt line 2/.test(error.message),
    );
  });
}

/** The CONNACK code a raw CONNECT with these credentials gets. */
async function connackCode(
  broker: Broker,
  protocolVersion: 4 | 5,
  username?: string,
  password?: string,
): Promise<number | undefined> {
  using raw = await RawClient.open(broker, protocolVersion);
  await raw.write(connectBytes(protocolVersion, {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password: Buffer.from(password) }),
  }));
  const [connack] = await raw.readPackets(1) as IConnackPacket[];
  return protocolVersion === 5 ? connack?.reasonCode : connack?.returnCode;
}

Deno.test("Broker checks user names and passwords from a password file", async () => {
  const passwords = await passwordFile({ alice: "wonderland", bob: "builder" });
  await using broker = await startBroker({ passwords, allowAnonymous: false });
  // Accepted: 0; bad user name or password: 0x04 (3.1.1) / 0x86 (5);
  // anonymous when not allowed: 0x05 / 0x87.
  const cases = [
    { username: "alice", password: "wonderland", v4: 0, v5: 0 },
    { username: "alice", password: "builder", v4: 0x04, v5: 0x86 },
    { username: "mallory", password: "wonderland", v4: 0x04, v5: 0x86 },
    { username: "bob", password: undefined, v4: 0x04, v5: 0x86 },
    { username: undefined, password: undefined, v4: 0x05, v5: 0x87 },
  ];
  for (const c of cases) {
    for (const version of [4, 5] as const) {
      const code = await connackCode(broker, version, c.username, c.password);
      assert.equal(code, version === 4 ? c.v4 : c.v5, `${c.username}/${c.password} v${version}`);
    }
  }
  assert.equal(broker.stats().clientsTotal, 2);
});

Deno.test("Broker handles packets sent right behind a CONNECT whose password is being checked", async () => {
  const passwords = await passwordFile({ alice: "wonderland" });
  await using broker = await startBroker({ passwords });
  await using client = await connectClient(broker, 5, {
    username: "alice",
    password: "wonderland",
  });
  // MQTT.js sends SUBSCRIBE as soon as CONNACK arrives; a raw burst tests the held packets.
  const granted = await client.subscribeAsync("a/b", { qos: 1 });
  assert.equal(granted[0]?.qos, 1);
  using raw = await RawClient.open(broker, 4);
  const { encode } = await import("./_helpers.ts");
  const connect = connectBytes(4, {
    username: "alice",
    password: Buffer.from("wonderland"),
  });
  const subscribe = encode({
    cmd: "subscribe",
    messageId: 5,
    subscriptions: [{ topic: "x", qos: 0 }],
  }, 4);
  const both = new Uint8Array(connect.byteLength + subscribe.byteLength);
  both.set(connect);
  both.set(subscribe, connect.byteLength);
  await raw.write(both);
  const packets = await raw.readPackets(2);
  assert.deepEqual(packets.map((p) => p.cmd), ["connack", "suback"]);
});

Deno.test("Broker with allowAnonymous false and no password file refuses everyone", async () => {
  await using broker = await startBroker({ allowAnonymous: false });
  assert.equal(await connackCode(broker, 5), 0x87);
  assert.equal(await connackCode(broker, 5, "anyone", "anything"), 0x86);
});

Deno.test("new Broker() refuses a malformed password file", async () => {
  const { Broker } = await import("../../src/broker/mod.ts");
  assert.throws(() => new Broker({ passwords: "alice:plaintext\n" }), PasswordFileError);
});
