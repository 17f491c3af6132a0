import type { IPubrecPacket } from "mqtt-packet";
import type { Client } from "../client.ts";

/**
 * PUBREC: the client has received a QoS 2 message we sent. We answer PUBREL [MQTT-4.3.3-4];
 * an MQTT 5 PUBREC with an error code (≥ 0x80) ends the exchange instead (§4.3.3), freeing its
 * place in the window.
 */
export function handlePubrec(client: Client, packet: IPubrecPacket): void {
  const packetId = packet.messageId;
  if (packetId === undefined) return;
  if ((packet.reasonCode ?? 0) >= 0x80) {
    client.complete(packetId, "pubrec");
    return;
  }
  client.received(packetId);
}
