import type { IDisconnectPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ProtocolError } from "../errors.ts";
import { ReasonCode } from "../reason_codes.ts";

/**
 * DISCONNECT from the client: close without the will [MQTT-3.14.4-3], unless an MQTT 5 client
 * asks for it with reason 0x04 "disconnect with will message". An MQTT 5 client may change its
 * Session Expiry Interval here, but not from 0 to more (§3.14.2.2.2).
 */
export function handleDisconnect(client: Client, packet: IDisconnectPacket): void {
  const session = client.session!;
  const expiry = client.protocolVersion === 5
    ? packet.properties?.sessionExpiryInterval
    : undefined;
  if (expiry !== undefined) {
    if (session.expiryIntervalSeconds === 0 && expiry > 0) {
      throw new ProtocolError("DISCONNECT sets a Session Expiry Interval after CONNECT said 0");
    }
    session.expiryIntervalSeconds = expiry;
  }
  const withWill = client.protocolVersion === 5 &&
    packet.reasonCode === ReasonCode.DisconnectWithWill;
  client.endByClient(withWill);
}
