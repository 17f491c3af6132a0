import type { IUnsubscribePacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ProtocolError } from "../errors.ts";
import { ReasonCode } from "../reason_codes.ts";

/**
 * UNSUBSCRIBE: remove each filter and answer UNSUBACK [MQTT-3.10.4-4]; MQTT 5 says per filter
 * whether a subscription existed.
 */
export function handleUnsubscribe(client: Client, packet: IUnsubscribePacket): void {
  const session = client.session!;
  // [MQTT-2.3.1-1] UNSUBSCRIBE carries a non-zero packet identifier
  if (!packet.messageId) throw new ProtocolError("UNSUBSCRIBE with packet identifier 0");
  // [MQTT-3.10.3-2] (3.1.1) at least one topic filter
  if (packet.unsubscriptions.length === 0) {
    throw new ProtocolError("UNSUBSCRIBE without any topic filter");
  }
  const reasonCodes = packet.unsubscriptions.map((filter) =>
    client.core.unsubscribe(session, filter) ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted
  );
  if (client.protocolVersion === 5) {
    client.send({ cmd: "unsuback", messageId: packet.messageId, granted: reasonCodes });
  } else {
    client.send({ cmd: "unsuback", messageId: packet.messageId, granted: [] });
  }
}
