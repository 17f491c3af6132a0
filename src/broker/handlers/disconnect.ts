import type { IDisconnectPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ReasonCode } from "../reason_codes.ts";

/**
 * DISCONNECT from the client: close without the will [MQTT-3.14.4-3], unless an MQTT 5 client
 * asks for it with reason 0x04 "disconnect with will message".
 */
export function handleDisconnect(client: Client, packet: IDisconnectPacket): void {
  const withWill = client.protocolVersion === 5 &&
    packet.reasonCode === ReasonCode.DisconnectWithWill;
  client.endByClient(withWill);
}
