import type { IPubcompPacket } from "mqtt-packet";
import type { Client } from "../client.ts";

/** PUBCOMP: a QoS 2 message we sent is complete and leaves the in-flight window. */
export function handlePubcomp(client: Client, packet: IPubcompPacket): void {
  if (packet.messageId !== undefined) client.complete(packet.messageId, "pubcomp");
}
