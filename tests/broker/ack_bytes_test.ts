import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import type { Packet } from "mqtt-packet";
import { ackBytes } from "../../src/broker/_ack_bytes.ts";
import { encodePacket } from "../../src/broker/codec.ts";

const commands = ["puback", "pubrec", "pubrel", "pubcomp"] as const;
const ids = [0, 1, 255, 256, 0x1234, 0xffff];
/** Every field an acknowledgement may carry, each present, absent, or odd. */
const variants: Record<string, unknown>[] = [
  {},
  { reasonCode: 0 },
  { reasonCode: 0x10 },
  { reasonCode: 0x80 },
  { reasonCode: 0, properties: {} },
  { reasonCode: 0, properties: { reasonString: "why" } },
  { dup: false, reasonCode: 0 },
];

for (const version of [4, 5] as const) {
  Deno.test(`ackBytes() gives mqtt-packet's bytes or leaves the packet to it (MQTT ${version})`, () => {
    let taken = 0;
    for (const cmd of commands) {
      for (const messageId of ids) {
        for (const variant of variants) {
          const packet = { cmd, messageId, ...variant } as unknown as Packet;
          const expected = [...mqttPacket.generate(packet, { protocolVersion: version })];
          const got = ackBytes(packet, version);
          if (got !== undefined) {
            taken++;
            assert.deepEqual([...got], expected, JSON.stringify(packet));
          }
          // encodePacket answers the same either way.
          assert.deepEqual([...encodePacket(packet, version)], expected, JSON.stringify(packet));
        }
      }
    }
    // The common acknowledgement really takes the short path.
    assert.ok(taken >= commands.length * ids.length);
  });
}

Deno.test("ackBytes() leaves other packets and bad packet ids to mqtt-packet", () => {
  for (
    const packet of [
      { cmd: "pingresp" },
      { cmd: "suback", messageId: 1, granted: [0] },
      { cmd: "puback" },
      { cmd: "puback", messageId: 1.5 },
      { cmd: "puback", messageId: -1 },
      { cmd: "puback", messageId: 0x10000 },
      { cmd: "puback", messageId: "7" },
      // mqtt-packet fails on a DUP flag on any acknowledgement; so must encodePacket still.
      { cmd: "pubrel", messageId: 1, dup: true },
    ]
  ) {
    assert.equal(ackBytes(packet as unknown as Packet, 4), undefined, JSON.stringify(packet));
  }
});
