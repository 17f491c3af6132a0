/**
 * Shared pieces of the broker tests: a broker on a free port that closes itself, MQTT.js
 * clients that end themselves, raw sockets for bytes no real client would send.
 */
import mqtt from "mqtt";
import type { IClientOptions, IPublishPacket, MqttClient } from "mqtt";
import mqttPacket from "mqtt-packet";
import type { Packet } from "mqtt-packet";
import { Buffer } from "node:buffer";
import { Broker } from "../../src/broker/mod.ts";
import type { BrokerOptions } from "../../src/broker/mod.ts";

/** A listening broker on 127.0.0.1 and a free port, closed by `await using`. */
export async function startBroker(
  options: BrokerOptions = {},
): Promise<Broker & AsyncDisposable> {
  const broker = new Broker({ port: 0, ...options });
  await broker.listen();
  return Object.assign(broker, { [Symbol.asyncDispose]: () => broker.close() });
}

/** An MQTT.js client connected to `broker`, ended by `await using`. */
export async function connectClient(
  broker: Broker,
  protocolVersion: 4 | 5,
  options: IClientOptions = {},
): Promise<MqttClient & AsyncDisposable> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
    protocolVersion,
    reconnectPeriod: 0,
    ...options,
  });
  return Object.assign(client, {
    [Symbol.asyncDispose]: async () => {
      await client.endAsync(true);
    },
  });
}

/** A message as an MQTT.js client received it. */
export interface Received {
  topic: string;
  payload: string;
  packet: IPublishPacket;
}

/** Collects the messages `client` receives, in order, and lets a test wait for a count. */
export class Inbox {
  readonly messages: Received[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  constructor(client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), packet });
      this.#waiters = this.#waiters.filter((waiter) => {
        if (this.messages.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  }

  /** Resolves once `count` messages have arrived in total. */
  waitFor(count: number): Promise<Received[]> {
    if (this.messages.length >= count) return Promise.resolve(this.messages);
    return new Promise((resolve) => {
      this.#waiters.push({ count, resolve: () => resolve(this.messages) });
    });
  }

  /** Resolves with the first message on `topic`, waiting for it if needed. */
  async waitForTopic(topic: string): Promise<Received> {
    for (let count = 1;; count++) {
      const messages = await this.waitFor(count);
      const found = messages.find((message) => message.topic === topic);
      if (found !== undefined) return found;
    }
  }
}

/**
 * Proves a broker still serves `subscriber` (already subscribed to `topic`): an in-process
 * publish on `topic` arrives.
 */
export async function assertStillDelivers(
  broker: Broker,
  inbox: Inbox,
  topic: string,
): Promise<void> {
  const marker = `alive-${crypto.randomUUID()}`;
  broker.publish({ topic, payload: marker });
  for (let count = inbox.messages.length + 1;; count++) {
    const messages = await inbox.waitFor(count);
    if (messages.some((message) => message.payload === marker)) return;
  }
}

/** Encodes a packet for a raw socket test. */
export function encode(packet: Packet, protocolVersion: 4 | 5): Uint8Array {
  return mqttPacket.generate(packet, { protocolVersion });
}

/** A CONNECT packet as bytes. */
export function connectBytes(
  protocolVersion: 4 | 5,
  fields: Partial<mqttPacket.IConnectPacket> = {},
): Uint8Array {
  return encode({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion,
    clientId: `raw-${crypto.randomUUID().slice(0, 8)}`,
    clean: true,
    keepalive: 0,
    ...fields,
  }, protocolVersion);
}

/**
 * A raw TCP connection for bytes no real client would send; it keeps everything the broker
 * sent, decoded as `protocolVersion`. Closed by `using`.
 */
export class RawClient implements Disposable {
  readonly conn: Deno.TcpConn;
  readonly protocolVersion: 4 | 5;
  #received: Uint8Array[] = [];
  #closedByBroker = false;

  private constructor(conn: Deno.TcpConn, protocolVersion: 4 | 5) {
    this.conn = conn;
    this.protocolVersion = protocolVersion;
  }

  /** Connects to `broker`'s port. */
  static async open(broker: Broker, protocolVersion: 4 | 5): Promise<RawClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
    return new RawClient(conn, protocolVersion);
  }

  /** Writes every byte of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.byteLength) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Every packet received so far, once there are `count` of them or the broker closed. */
  async readPackets(count: number): Promise<Packet[]> {
    const buffer = new Uint8Array(16 * 1024);
    for (;;) {
      const packets = decodeAll(Buffer.concat(this.#received), this.protocolVersion);
      if (packets.length >= count || this.#closedByBroker) return packets;
      let read: number | null = null;
      try {
        read = await this.conn.read(buffer);
      } catch {
        // A reset counts as closed.
      }
      if (read === null) {
        this.#closedByBroker = true;
      } else {
        this.#received.push(buffer.slice(0, read));
      }
    }
  }

  /**
   * Every packet received until the broker closes the connection. Only used where the broker
   * must close it, so the wait ends.
   */
  readUntilClosed(): Promise<Packet[]> {
    return this.readPackets(Number.POSITIVE_INFINITY);
  }

  [Symbol.dispose](): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

function decodeAll(bytes: Uint8Array, protocolVersion: 4 | 5): Packet[] {
  const packets: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion });
  parser.on("packet", (packet) => packets.push(packet));
  parser.on("error", (error) => {
    throw error;
  });
  parser.parse(Buffer.from(bytes));
  return packets;
}

/** Waits `ms` milliseconds (for expiry tests; never used to assert a duration). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves once the broker has handled everything `client` sent before: a QoS 1 publish is
 * acknowledged only after the packets ahead of it on the connection were processed.
 */
export async function barrier(client: MqttClient): Promise<void> {
  await client.publishAsync("test/barrier", "", { qos: 1 });
}
