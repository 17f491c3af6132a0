import type { IPubackPacket } from "mqtt-packet";
import type { Client } from "../client.ts";

/**
 * PUBACK: the client has a QoS 1 message we sent; it leaves the in-flight window.
 * . An unknown packet id is ignored (a late ack for a message of an earlier
 * connection is harmless).
 */
export function handlePuback(client: Client, packet: IPubackPacket): void {
  if (packet.messageId !== undefined) client.complete(packet.messageId, "puback");
}
