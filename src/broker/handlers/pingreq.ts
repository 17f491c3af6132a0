import type { IPingreqPacket } from "mqtt-packet";
import type { Client } from "../client.ts";

/** PINGREQ: answer PINGRESP [MQTT-3.12.4-1]; receiving it already counted for keep-alive. */
export function handlePingreq(client: Client, _packet: IPingreqPacket): void {
  client.send({ cmd: "pingresp" });
}
