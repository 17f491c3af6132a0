import { ReasonCode } from "./reason_codes.ts";

/**
 * A violation of the MQTT protocol, by a client's bytes or by a caller of the in-process API.
 * `reasonCode` is the MQTT 5 reason code the broker answers with (DISCONNECT, or CONNACK during
 * the handshake), so the one error both explains and decides the response.
 *
 * @example An in-process publish to a wildcard topic
 * ```ts
 * import { Broker, ProtocolError } from "./mod.ts";
 *
 * const broker = new Broker({ port: 0 });
 * try {
 *   broker.publish({ topic: "network/+/update", payload: "{}" });
 * } catch (error) {
 *   if (error instanceof ProtocolError) console.log(error.reasonCode.toString(16)); // "90"
 * }
 * ```
 */
export class ProtocolError extends Error {
  /** The MQTT 5 reason code that answers this error (0x81 malformed, 0x82 protocol error, …). */
  readonly reasonCode: number;

  constructor(
    message: string,
    reasonCode: number = ReasonCode.ProtocolError,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ProtocolError";
    this.reasonCode = reasonCode;
  }
}
