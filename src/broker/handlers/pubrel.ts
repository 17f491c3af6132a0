import type { IPubrelPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ReasonCode } from "../reason_codes.ts";

/**
 * PUBREL: the client releases a QoS 2 message it sent us. The packet id is forgotten, so a new
 * PUBLISH with it is a new message, and PUBCOMP answers [MQTT-4.3.3-11]; an MQTT 5 client is
 * told 0x92 when the id was not awaiting release.
 */
export function handlePubrel(client: Client, packet: IPubrelPacket): void {
  const packetId = packet.messageId!;
  const session = client.session!;
  const known = session.incomingQos2.delete(packetId);
  if (known) session.dirty = true;
  if (client.protocolVersion === 5 && !known) {
    client.send({
      cmd: "pubcomp",
      messageId: packetId,
      reasonCode: ReasonCode.PacketIdentifierNotFound,
    });
    return;
  }
  client.send({ cmd: "pubcomp", messageId: packetId });
}
