import type { Transport } from "./transport.ts";

/** Subprotocols MQTT clients offer over WebSocket: `mqtt` (3.1.1, 5) and the older `mqttv3.1`. */
export const MQTT_WEBSOCKET_PROTOCOLS: readonly string[] = ["mqtt", "mqttv3.1"];

/**
 * A {@linkcode Transport} over a WebSocket (MQTT over WebSockets, §6): every binary message is
 * a piece of the MQTT byte stream, since a packet may span messages and a message may hold
 * several packets. Reads wait for messages; writes send one binary message each.
 */
export class WebSocketTransport implements Transport {
  readonly #socket: WebSocket;
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #waiter: (() => void) | undefined;

  constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer) {
        this.#chunks.push(new Uint8Array(event.data));
      } else {
        // [MQTT-6.0.0-1] MQTT travels in binary frames; a text frame ends the connection.
        this.#error = new Error("text WebSocket frame (MQTT needs binary frames)");
        this.close();
      }
      this.#wake();
    });
    socket.addEventListener("close", () => {
      this.#ended = true;
      this.#wake();
    });
    socket.addEventListener("error", () => {
      this.#ended = true;
      this.#wake();
    });
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#waiter = resolve);
    }
    const chunk = this.#chunks[0]!;
    if (chunk.byteLength <= buffer.byteLength) {
      this.#chunks.shift();
      buffer.set(chunk);
      return chunk.byteLength;
    }
    buffer.set(chunk.subarray(0, buffer.byteLength));
    this.#chunks[0] = chunk.subarray(buffer.byteLength);
    return buffer.byteLength;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#ended || this.#socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error("WebSocket is closed"));
    }
    this.#socket.send(bytes);
    return Promise.resolve(bytes.byteLength);
  }

  close(): void {
    this.#ended = true;
    this.#wake();
    try {
      this.#socket.close();
    } catch {
      // Closing or closed already.
    }
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}

/** The MQTT subprotocol to answer for a request's `Sec-WebSocket-Protocol`, if any fits. */
export function chooseMqttProtocol(request: Request): string | undefined {
  const offered = (request.headers.get("sec-websocket-protocol") ?? "")
    .split(",").map((name) => name.trim()).filter((name) => name !== "");
  return offered.find((name) => MQTT_WEBSOCKET_PROTOCOLS.includes(name));
}
