import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { Buffer } from "node:buffer";
import { publishBytes, publishHead, PublishParts } from "../../src/broker/_publish_bytes.ts";

const utf8 = new TextEncoder();

/** mqtt-packet's bytes for the same PUBLISH: the reference. */
function reference(
  version: 4 | 5,
  topic: string,
  payload: Uint8Array,
  qos: 0 | 1 | 2,
  retain: boolean,
  dup: boolean,
  packetId: number,
): number[] {
  return [
    ...mqttPacket.generate({
      cmd: "publish",
      topic,
      payload: Buffer.from(payload),
      qos,
      retain,
      dup,
      ...(qos > 0 ? { messageId: packetId } : {}),
    }, { protocolVersion: version }),
  ];
}

// Remaining Lengths either side of each varint boundary (127/128, 16,383/16,384, 2,097,151/2).
const topic = "network/gbfs/çà-ü/update";
const overhead = 2 + utf8.encode(topic).byteLength;
const payloadSizes = [
  0,
  1,
  60,
  127 - overhead - 3,
  128 - overhead - 3,
  16_383 - overhead,
  16_384 - overhead,
  2_097_152 - overhead,
];

for (const version of [4, 5] as const) {
  Deno.test(`publishBytes() writes what mqtt-packet writes (MQTT ${version === 4 ? "3.1.1" : "5"})`, () => {
    for (const size of payloadSizes) {
      const payload = new Uint8Array(Math.max(0, size)).map((_, i) => i % 251);
      for (const qos of [0, 1, 2] as const) {
        for (const [retain, dup] of [[false, false], [true, false], [false, true], [true, true]]) {
          const got = publishBytes(version, topic, payload, qos, retain!, dup!, 0x1234);
          assert.ok(got !== undefined);
          const expected = reference(
            version,
            topic,
            payload,
            qos,
            retain!,
            dup! && qos > 0,
            0x1234,
          );
          const what = `payload ${payload.byteLength}, QoS ${qos}, retain ${retain}, dup ${dup}`;
          assert.deepEqual([...got], expected, what);
          // The same packet as a head and the payload, joined where it is written.
          const head = publishHead(version, topic, size, qos, retain!, dup!, 0x1234)!;
          const parts = new PublishParts(head, payload);
          const written = new Uint8Array(parts.byteLength + 2);
          parts.writeTo(written, 1);
          assert.deepEqual([...written.subarray(1, -1)], expected, what);
        }
      }
    }
  });
}

Deno.test("publishBytes() leaves a topic longer than 65,535 UTF-8 bytes to mqtt-packet", () => {
  const long = "a".repeat(65_536);
  const one = new Uint8Array(1);
  assert.equal(publishHead(4, long, 1, 0, false, false, 0), undefined);
  assert.equal(publishBytes(4, long, one, 0, false, false, 0), undefined);
  assert.ok(publishBytes(4, long.slice(1), one, 0, false, false, 0) !== undefined);
  // Fewer characters than the limit, more UTF-8 bytes: counted in bytes.
  const wide = "é".repeat(40_000);
  assert.equal(publishHead(5, wide, 1, 1, false, false, 1), undefined);
  assert.ok(publishHead(5, "é".repeat(32_767), 1, 1, false, false, 1) !== undefined);
});

Deno.test("publishBytes() sets DUP only on QoS 1 and 2 [MQTT-3.3.1-2]", () => {
  const bytes = publishBytes(4, "t", new Uint8Array(0), 0, false, true, 0)!;
  assert.equal(bytes[0], 0x30);
});

Deno.test("publishHead() writes ASCII and non-ASCII topic names as UTF-8", () => {
  const payload = new Uint8Array([1, 2, 3]);
  for (
    const name of [
      "network/gbfs/divvy/update",
      "",
      "a",
      "café/ü/€",
      "x/\u{1F6B2}/y",
      "a\u0080b",
      "\u007f",
    ]
  ) {
    for (const version of [4, 5] as const) {
      for (const qos of [0, 1] as const) {
        const got = publishBytes(version, name, payload, qos, true, false, 9)!;
        assert.deepEqual([...got], reference(version, name, payload, qos, true, false, 9), name);
      }
    }
  }
});
