import assert from "node:assert/strict";
import type { AclSubject } from "../../src/broker/acl.ts";
import { aclAllows, AclError, filterCovers, parseAcl } from "../../src/broker/acl.ts";
import type { ISubackPacket, Packet } from "mqtt-packet";
import {
  barrier,
  connectBytes,
  connectClient,
  encode,
  Inbox,
  RawClient,
  startBroker,
} from "./_helpers.ts";
import { Broker } from "../../src/broker/mod.ts";

const ACL = `
# anonymous
topic read public/#
topic deny public/secret/#
user alice
topic readwrite alice/#
topic write shared/in
pattern readwrite devices/%c/#
pattern read users/%u/#
`;

Deno.test("parseAcl() and aclAllows() apply anonymous, user and pattern rules", () => {
  const rules = parseAcl(ACL);
  const anonymous: AclSubject = { clientId: "dev1", username: undefined };
  const alice: AclSubject = { clientId: "dev2", username: "alice" };
  const cases: [AclSubject, "read" | "write", string, boolean, boolean][] = [
    [anonymous, "read", "public/a", false, true],
    [anonymous, "write", "public/a", false, false],
    [anonymous, "read", "public/secret/x", false, false],
    [anonymous, "read", "public/#", true, true], // a filter overlapping a deny is granted…
    [anonymous, "read", "public/secret/x", true, false],
    [anonymous, "read", "devices/dev1/t", false, true], // %c
    [anonymous, "read", "devices/dev2/t", false, false],
    [anonymous, "read", "users/x/t", false, false], // %u needs a user name
    [alice, "write", "alice/x", false, true],
    [alice, "read", "shared/in", false, false],
    [alice, "write", "shared/in", false, true],
    [alice, "read", "users/alice/#", true, true],
    [alice, "read", "public/a", false, false], // anonymous rules are not alice's
    [alice, "read", "alice/+/x", true, true],
    [alice, "read", "#", true, false],
  ];
  for (const [subject, action, target, isFilter, expected] of cases) {
    assert.equal(
      aclAllows(rules, subject, action, target, isFilter),
      expected,
      `${subject.username ?? "anonymous"} ${action} ${target}`,
    );
  }
});

Deno.test("filterCovers() decides whether one filter contains another", () => {
  const cases: [string, string, boolean][] = [
    ["#", "a/b", true],
    ["#", "$SYS/x", false],
    ["a/+", "a/b", true],
    ["a/+", "a/+", true],
    ["a/+", "a/#", false],
    ["a/b", "a/+", false],
    ["a/#", "a", true],
    ["a/b/c", "a/b", false],
  ];
  for (const [outer, inner, expected] of cases) {
    assert.equal(filterCovers(outer, inner), expected, `${outer} ⊇ ${inner}`);
  }
});

for (
  const [name, text] of [
    ["an unknown keyword", "topics read a"],
    ["a bad filter", "topic read a/#/b"],
    ["a user line without a name", "user"],
    ["a rule without a filter", "pattern"],
  ] as const
) {
  Deno.test(`parseAcl() refuses ${name}, naming the line`, () => {
    assert.throws(
      () => parseAcl(`# header\n${text}\n`, "acl.txt"),
      (error: Error) => error instanceof AclError && /acl\.txt line 2/.test(error.message),
    );
  });
}

for (const protocolVersion of [4, 5] as const) {
  for (const reason of [undefined, "not-authorized", "unspecified"] as const) {
    const v = protocolVersion === 4 ? "3.1.1" : "5";
    // 3.1.1 has one failure code, 0x80, whatever the setting; MQTT 5 says why unless told not to.
    const deniedCode = protocolVersion === 5 && reason !== "unspecified" ? 0x87 : 0x80;
    const setting = reason === undefined ? "by default" : `with subscribeDeniedReason ${reason}`;
    Deno.test(`Broker refuses a SUBSCRIBE the ACL denies with 0x${deniedCode.toString(16)} (MQTT ${v}, ${setting})`, async () => {
      await using broker = await startBroker({
        acl: "topic readwrite #\ntopic deny test/nosubscribe\n",
        ...(reason === undefined ? {} : { subscribeDeniedReason: reason }),
      });
      using raw = await RawClient.open(broker, protocolVersion);
      await raw.write(connectBytes(protocolVersion));
      await raw.write(encode({
        cmd: "subscribe",
        messageId: 3,
        subscriptions: [{ topic: "test/nosubscribe", qos: 1 }, { topic: "test/ok", qos: 1 }],
      }, protocolVersion));
      const [, suback] = await raw.readPackets(2) as [Packet, ISubackPacket];
      assert.deepEqual(suback.granted, [deniedCode, 1]);
      assert.equal(broker.stats().subscriptions, 1);
    });
  }
}

Deno.test("Broker refuses a subscribeDeniedReason it does not know", () => {
  assert.throws(
    () => new Broker({ subscribeDeniedReason: "secret" as "unspecified" }),
    (error: unknown) =>
      error instanceof RangeError && error.message.includes("subscribeDeniedReason") &&
      error.message.includes('"secret"'),
  );
});

Deno.test("Broker delivers to a wide subscription only what the ACL lets the client read", async () => {
  await using broker = await startBroker({ acl: ACL, protectedTopics: [] });
  await using reader = await connectClient(broker, 5);
  const inbox = new Inbox(reader);
  await reader.subscribeAsync("public/#");
  broker.publish({ topic: "public/secret/key", payload: "hidden" });
  broker.publish({ topic: "public/news", payload: "shown" });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "public/news");
  await barrier(reader).catch(() => {}); // anonymous may not write test/barrier: PUBACK 0x87
  assert.equal(inbox.messages.length, 1);
});

Deno.test("Broker refuses a publish the ACL does not allow (v5 PUBACK 0x87)", async () => {
  await using broker = await startBroker({ acl: ACL });
  await using alice = await connectClient(broker, 5, { username: "alice" });
  await alice.publishAsync("alice/x", "ok", { qos: 1 });
  await assert.rejects(
    alice.publishAsync("public/x", "no", { qos: 1 }),
    /0x87|Not authorized|135/i,
  );
  assert.equal(broker.stats().dropped, 1);
});
