import assert from "node:assert/strict";
import { createMessage } from "../../src/broker/message.ts";
import type { Message } from "../../src/broker/message.ts";
import { RetainedStore } from "../../src/broker/retained_store.ts";
import { topicMatches } from "../../src/broker/topic_tree.ts";

const retainedMessage = (topic: string, payload = topic, expirySeconds?: number): Message =>
  createMessage(
    {
      topic,
      payload,
      qos: 0,
      retain: true,
      properties: expirySeconds === undefined
        ? undefined
        : { messageExpiryInterval: expirySeconds },
    },
    undefined,
    0,
  );

const topics = [
  "network/gbfs/a/update",
  "network/gbfs/b/update",
  "network/nextbike/c/update",
  "network/gbfs/a/status",
  "network",
  "$SYS/broker/uptime",
  "/leading",
];

Deno.test("RetainedStore.match() returns the topics the filter matches", () => {
  const store = new RetainedStore();
  for (const topic of topics) store.set(retainedMessage(topic));
  assert.equal(store.size, topics.length);
  const filters = ["#", "network/#", "network/+/+/update", "+/gbfs/#", "$SYS/#", "+", "/+", "x/#"];
  for (const filter of filters) {
    const found = store.match(filter, 0).map((message) => message.topic).sort();
    const expected = topics.filter((topic) => topicMatches(filter, topic)).sort();
    assert.deepEqual(found, expected, filter);
  }
});

Deno.test("RetainedStore.set() replaces a topic's message and an empty payload deletes it", () => {
  const store = new RetainedStore();
  store.set(retainedMessage("a/b", "first"));
  store.set(retainedMessage("a/b", "second"));
  assert.equal(store.size, 1);
  assert.equal(new TextDecoder().decode(store.get("a/b")?.payload), "second");
  store.set(retainedMessage("a/b", ""));
  assert.equal(store.size, 0);
  assert.equal(store.get("a/b"), undefined);
  assert.deepEqual(store.match("#", 0), []);
  // Deleting a topic that holds nothing changes nothing.
  assert.equal(store.delete("a/b"), false);
});

Deno.test("RetainedStore drops expired messages when matched or purged", () => {
  const store = new RetainedStore();
  const expirySeconds = 10;
  store.set(retainedMessage("e/short", "short", expirySeconds));
  store.set(retainedMessage("e/long", "long"));
  const beforeExpiry = expirySeconds * 1000 - 1;
  assert.equal(store.match("e/#", beforeExpiry).length, 2);
  const afterExpiry = expirySeconds * 1000;
  assert.deepEqual(store.match("e/#", afterExpiry).map((m) => m.topic), ["e/long"]);
  assert.equal(store.size, 1);
  store.set(retainedMessage("e/other", "other", expirySeconds));
  assert.equal(store.purgeExpired(afterExpiry), 1);
  assert.equal(store.size, 1);
});

Deno.test("createMessage() copies a retained payload out of the caller's buffer", () => {
  const buffer = new TextEncoder().encode("payload");
  const message = createMessage({ topic: "t", payload: buffer, qos: 0, retain: true }, undefined);
  buffer.fill(0);
  assert.equal(new TextDecoder().decode(message.payload), "payload");
});

Deno.test("createMessage() keeps a payload the broker owns (a decoded packet's) without a copy", () => {
  const packet = new TextEncoder().encode("\u0030\u0008\u0000\u0001tpayload");
  const payload = packet.subarray(5);
  const message = createMessage(
    { topic: "t", payload, qos: 0, retain: true, payloadOwned: true },
    undefined,
  );
  assert.equal(message.payload, payload);
});

Deno.test("RetainedStore matches through leaves and prunes branches back to an empty root", () => {
  const store = new RetainedStore();
  store.set(retainedMessage("a/b/c", "abc"));
  store.set(retainedMessage("a/b", "ab"));
  assert.deepEqual(store.match("a/b/+").map((m) => m.topic), ["a/b/c"]);
  assert.deepEqual(store.match("a/b/c/+"), []); // a leaf has no children to walk
  assert.deepEqual(store.match("a/b/c/#").map((m) => m.topic), ["a/b/c"]);
  assert.equal(store.delete("a/b/c"), true);
  assert.deepEqual(store.match("a/#").map((m) => m.topic), ["a/b"]);
  assert.deepEqual(store.match("a/b/+"), []);
  assert.equal(store.delete("a/b"), true);
  assert.equal(store.delete("a/b"), false);
  assert.equal(store.size, 0);
  assert.deepEqual(store.match("#"), []);
  store.set(retainedMessage("a/b/c", "again"));
  assert.equal(store.get("a/b/c")?.topic, "a/b/c");
  assert.equal(store.size, 1);
});
