/**
 * The one entry for every packet a client sends: enforces the order rules, then hands the
 * packet to its handler (one file per control packet, as aedes' `lib/handlers/`). A handler
 * throws {@linkcode ProtocolError} for a violation; this is where that closes the connection.
 */
import type { Packet } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ProtocolError } from "../errors.ts";
import { ReasonCode } from "../reason_codes.ts";
import { handleConnect } from "./connect.ts";
import { handleDisconnect } from "./disconnect.ts";
import { handlePingreq } from "./pingreq.ts";
import { handlePuback } from "./puback.ts";
import { handlePubcomp } from "./pubcomp.ts";
import { handlePubrec } from "./pubrec.ts";
import { handlePubrel } from "./pubrel.ts";
import { handlePublish } from "./publish.ts";
import { handleSubscribe } from "./subscribe.ts";
import { handleUnsubscribe } from "./unsubscribe.ts";

/** Handles one decoded packet from `client`; never throws. */
export function dispatch(client: Client, packet: Packet): void {
  const state = client.state;
  // Packets decoded after the connection started closing (same read) are ignored.
  if (state === "closing" || state === "closed") return;
  try {
    if (state === "awaiting-connect") {
      // [MQTT-3.1.0-1] the first packet from the client must be CONNECT
      if (packet.cmd !== "connect") {
        throw new ProtocolError(`first packet must be CONNECT, got ${packet.cmd.toUpperCase()}`);
      }
      handleConnect(client, packet);
      return;
    }
    switch (packet.cmd) {
      case "publish":
        return handlePublish(client, packet);
      case "puback":
        return handlePuback(client, packet);
      case "pubrec":
        return handlePubrec(client, packet);
      case "pubrel":
        return handlePubrel(client, packet);
      case "pubcomp":
        return handlePubcomp(client, packet);
      case "subscribe":
        return handleSubscribe(client, packet);
      case "unsubscribe":
        return handleUnsubscribe(client, packet);
      case "pingreq":
        return handlePingreq(client, packet);
      case "disconnect":
        return handleDisconnect(client, packet);
      case "connect":
        // [MQTT-3.1.0-2] a second CONNECT is a protocol violation
        throw new ProtocolError("second CONNECT on one connection");
      default:
        // AUTH belongs to an authentication method the broker does not offer, and the rest are
        // server-to-client packets.
        throw new ProtocolError(`unexpected ${packet.cmd.toUpperCase()} packet from a client`);
    }
  } catch (error) {
    client.fail(
      error instanceof ProtocolError ? error : new ProtocolError(
        `internal error handling ${packet.cmd.toUpperCase()}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        ReasonCode.ImplementationSpecificError,
        { cause: error },
      ),
    );
  }
}
