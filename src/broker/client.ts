import type { Packet } from "mqtt-packet";
import { getLogger } from "@logtape/logtape";
import type { BrokerCore } from "./broker_core.ts";
import { encodePacket, MQTT_MAX_PACKET_BYTES, PacketDecoder } from "./codec.ts";
import type { ProtocolVersion } from "./codec.ts";
import { ProtocolError } from "./errors.ts";
import { dispatch } from "./handlers/dispatch.ts";
import type { ClientIdentity } from "./access.ts";
import type { Message } from "./message.ts";
import { isExpired } from "./message.ts";
import { OutgoingPublish } from "./outgoing.ts";
import type { EncodedPublish } from "./outgoing.ts";
import { ReasonCode } from "./reason_codes.ts";
import type { TopicAliasUse } from "./outgoing.ts";
import type { Qos, QueuedPublish, Session } from "./session.ts";
import type { Transport } from "./transport.ts";
import type { DeadlineHolder } from "./deadline_sweep.ts";
import { RETAINED_STEP_MESSAGES, RetainedBacklog, type RetainedSink } from "./retained_backlog.ts";
import { WriteQueue, type WriteQueueEvents } from "./write_queue.ts";

const logger = getLogger(["spoke", "broker"]);

/**
 * Each connection reads into one reused buffer. It starts small, since most clients are idle
 * subscribers and a Pi may hold a thousand of them, and doubles whenever a read fills it.
 */
const READ_BUFFER_INITIAL_BYTES = 64;
const READ_BUFFER_MAX_BYTES = 64 * 1024;

/** How long a lingering close waits for the peer to close its side after our last packet. */
const CLOSE_LINGER_MS = 2000;

/** Packets a client may send before its CONNACK while its password is checked. */
const MAX_HELD_PACKETS = 100;

/** How long a closing connection may spend flushing its last packets (e.g. a DISCONNECT). */
const CLOSE_FLUSH_MS = 1000;

/** Where a connection is in its life. */
export type ClientState = "awaiting-connect" | "connected" | "closing" | "closed";

/** How a connection ends. */
interface CloseOptions {
  /** A last packet (CONNACK refusal, DISCONNECT) to flush before closing. */
  finalPacket?: Uint8Array;
  /** Write what is queued before closing (false when the peer is gone already). */
  flush: boolean;
  /** Publish the will message, if any [MQTT-3.1.2-8]. */
  publishWill: boolean;
}

/**
 * One client connection: the read loop feeding the decoder, the write queue, the deadlines
 * (CONNECT timeout, then keep-alive) and the protocol state the handlers work on.
 */
export class Client implements ClientIdentity, DeadlineHolder, WriteQueueEvents, RetainedSink {
  readonly core: BrokerCore;
  readonly #transport: Transport;
  readonly #writeQueue: WriteQueue;
  readonly #decoder: PacketDecoder;
  #state: ClientState = "awaiting-connect";
  /** CONNECT timeout, then keep-alive: watched by the broker's one {@linkcode DeadlineSweep}. */
  #connectDeadlineMs = 0;
  /** 1.5 × keep-alive in ms once connected; 0 = no keep-alive. */
  #keepAliveLimitMs = 0;
  #lastPacketAtMs = 0;
  /** When the read being decoded arrived. */
  #readAtMs = 0;
  #transportClosed = false;
  /** Reading on after our last packet, until the peer closes (a lingering close). */
  #lingering = false;
  /** Whether the read loop has ended, and (made only when a lingering close waits) its signal. */
  #readDone = false;
  #readEnded: PromiseWithResolvers<void> | undefined;
  /** Packets that arrived while CONNECT was being authenticated. */
  #held: Packet[] | undefined;
  /** Made only when someone waits for the close (most connections live on, idle). */
  #closed: PromiseWithResolvers<void> | undefined;
  /** Retained messages of new subscriptions still going out, while there are any. */
  #retained: RetainedBacklog | undefined;

  /** Negotiated by CONNECT; 4 until then (the only form of CONNACK a refused v3 client reads). */
  protocolVersion: ProtocolVersion = 4;
  clientId = "";
  username: string | undefined;
  session: Session | undefined;
  /** The will message, published if the connection ends without a normal DISCONNECT. */
  will: Message | undefined;
  /** The client's Maximum Packet Size: larger packets are never sent to it [MQTT-3.1.2-25]. */
  maxOutgoingPacketSize = MQTT_MAX_PACKET_BYTES;
  /** MQTT 5 Request Problem Information: when false, no reason strings on acks [MQTT-3.1.2-29]. */
  wantsProblemInformation = true;
  /** The client's Receive Maximum (§3.1.2.11.3); 65,535 when it sets none. */
  receiveMaximumOut = 65_535;
  /** MQTT 5 Will Delay Interval of the will, in seconds (§3.1.3.2.2). */
  willDelaySeconds = 0;
  /** The client's Topic Alias Maximum: how many aliases the broker may set up (§3.1.2.11.5). */
  topicAliasMaximumOut = 0;
  // Made on first use, like the session's collections: most clients never use topic aliases.
  #topicAliasesIn: Map<number, string> | undefined;
  #topicAliasesOut: Map<string, number> | undefined;

  constructor(core: BrokerCore, transport: Transport) {
    this.core = core;
    this.#transport = transport;
    // The client is its write queue's listener: no closures per connection.
    this.#writeQueue = new WriteQueue(transport, this);
    this.#decoder = new PacketDecoder({
      maxPacketSize: core.options.maxPacketSize,
      onPacket: (packet) => this.#receive(packet),
    });
  }

  /** Topic aliases the client set up, alias → topic, for this connection only [MQTT-3.3.2-7]. */
  get topicAliasesIn(): Map<number, string> {
    return this.#topicAliasesIn ??= new Map();
  }

  /** Where the connection is in its life. */
  get state(): ClientState {
    return this.#state;
  }

  /** Resolves when the transport is closed. */
  get closed(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    return (this.#closed ??= Promise.withResolvers()).promise;
  }

  /** {@linkcode WriteQueueEvents}: bytes that reached the transport. */
  bytesWritten(byteCount: number): void {
    this.core.stats.bytesOut += byteCount;
  }

  /** {@linkcode WriteQueueEvents}: the transport failed; the connection ends. */
  writeFailed(error: unknown): void {
    this.#close(`write failed: ${describe(error)}`, { flush: false, publishWill: true });
  }

  /**
   * Runs the connection until it ends: reads into a reused buffer and feeds the decoder, whose
   * packets go through the dispatcher synchronously, in order.
   */
  async run(): Promise<void> {
    // A socket that never sends CONNECT must not hold a connection slot forever.
    this.#connectDeadlineMs = performance.now() + this.core.options.connectTimeoutMs;
    this.core.deadlines.watch(this, this.#connectDeadlineMs);
    let buffer = new Uint8Array(READ_BUFFER_INITIAL_BYTES);
    try {
      while (this.#isOpen() || this.#lingering) {
        const count = await this.#transport.read(buffer);
        if (count === null) {
          this.#close("connection closed by the client", { flush: false, publishWill: true });
          break;
        }
        this.core.stats.bytesIn += count;
        this.#readAtMs = performance.now();
        // Closing: what the peer still sends is read and dropped (see #closeAfterFlush).
        if (!this.#isOpen()) continue;
        try {
          // The decoder copies what it keeps, so the read buffer can be reused.
          this.#decoder.push(buffer.subarray(0, count));
        } catch (error) {
          this.#decodeFailed(error);
        }
        if (count === buffer.byteLength && buffer.byteLength < READ_BUFFER_MAX_BYTES) {
          buffer = new Uint8Array(buffer.byteLength * 2);
        }
      }
    } catch (error) {
      // A read fails when the peer resets the connection or when we closed the transport.
      this.#close(`read failed: ${describe(error)}`, { flush: false, publishWill: true });
    } finally {
      this.#readDone = true;
      this.#readEnded?.resolve();
    }
    try {
      await this.closed;
    } finally {
      this.core.connectionEnded(this);
    }
  }

  /** Encodes and queues `packet` in this client's protocol version. */
  send(packet: Packet): void {
    this.#writeQueue.push(encodePacket(packet, this.protocolVersion));
  }

  /**
   * Completes the handshake: the session is attached and CONNACK queued. Keep-alive starts
   * now: the server closes the connection after 1.5 × keep-alive without a packet
   * [MQTT-3.1.2-24]; a keep-alive of 0 turns it off.
   */
  accept(session: Session, connack: Packet, keepAliveSeconds: number, present: boolean): void {
    this.session = session;
    session.client = this;
    this.#state = "connected";
    this.send(connack);
    if (keepAliveSeconds > 0) {
      this.#keepAliveLimitMs = keepAliveSeconds * 1500;
      this.#lastPacketAtMs = performance.now();
      this.core.deadlines.watch(this, this.#lastPacketAtMs + this.#keepAliveLimitMs);
    } else {
      this.core.deadlines.unwatch(this);
    }
    if (present) this.resume();
  }

  /** Refuses the CONNECT with `connack` (a failure code) and closes [MQTT-3.2.2-5]. */
  refuse(connack: Packet, protocolVersion: ProtocolVersion, reason: string): void {
    this.core.stats.protocolErrors++;
    logger.info("refused connection: {reason}", { reason });
    this.#close(reason, {
      finalPacket: encodePacket(connack, protocolVersion),
      flush: true,
      publishWill: false,
    });
  }

  /**
   * Closes the connection for a protocol violation, counting it. An MQTT 5 client past CONNACK
   * is told why with a DISCONNECT carrying the error's reason code [MQTT-4.13.1-1]; nothing may
   * precede CONNACK, so a client not yet connected is just closed.
   */
  fail(error: ProtocolError): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    this.core.stats.protocolErrors++;
    logger.info("closing {clientId}: {reason}", {
      clientId: this.clientId || "(before CONNECT)",
      reason: error.message,
    });
    this.#close(error.message, {
      finalPacket: this.#disconnectPacket(error.reasonCode, error.message),
      flush: true,
      publishWill: true,
    });
  }

  /**
   * Server-initiated close of a healthy connection (session takeover, keep-alive expiry, shutdown):
   * MQTT 5 clients get a DISCONNECT with `reasonCode`.
   */
  disconnect(reasonCode: number, reason: string, publishWill = true): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    logger.debug("disconnecting {clientId}: {reason}", { clientId: this.clientId, reason });
    this.#close(reason, {
      finalPacket: this.#disconnectPacket(reasonCode, reason),
      flush: true,
      publishWill,
    });
  }

  /** The client sent DISCONNECT: close; the will goes only with reason 0x04 [MQTT-3.14.4-3]. */
  endByClient(publishWill: boolean): void {
    // Answers to packets that came in the same read as the DISCONNECT are still sent.
    this.#close("DISCONNECT from the client", { flush: true, publishWill });
  }

  /**
   * Sends an application message. QoS 0 is dropped when the socket is too far behind; QoS 1
   * and 2 get a packet id and wait in flight for their acknowledgement, or queue while the
   * client's Receive Maximum window is full [MQTT-3.3.4-9].
   */
  deliver(
    outgoing: OutgoingPublish,
    qos: Qos,
    retain: boolean,
    subscriptionIds: readonly number[] | undefined,
  ): void {
    if (this.#state !== "connected") return;
    // Behind the retained messages still going out: they were routed first.
    if (this.#retained !== undefined) {
      this.#retained.hold({ outgoing, qos, retain, subscriptionIds });
      return;
    }
    this.deliverNow(outgoing, qos, retain, subscriptionIds);
  }

  /**
   * {@linkcode RetainedSink}: sends one message now, ahead of what waits behind the retained
   * backlog. Everything else delivers through {@linkcode deliver}.
   */
  deliverNow(
    outgoing: OutgoingPublish,
    qos: Qos,
    retain: boolean,
    subscriptionIds: readonly number[] | undefined,
  ): void {
    if (this.#state !== "connected") return;
    const session = this.session!;
    if (qos === 0) {
      if (this.#writeQueue.queuedBytes > this.core.options.maxQueuedBytes) {
        this.core.stats.dropped++;
        return;
      }
      this.#sendPublish(this.#encode(outgoing, 0, retain, 0, subscriptionIds, false));
      return;
    }
    if (session.inflightFull || session.queuedCount > 0) {
      this.core.stats.dropped += session.enqueue({
        message: outgoing.message,
        qos,
        retain,
        subscriptionIds,
      });
      return;
    }
    this.#sendNew(outgoing, qos, retain, subscriptionIds);
  }

  /**
   * Sends a new subscription's retained messages, with the retain flag set ([MQTT-3.3.1-8]
   * 3.1.1, [MQTT-3.3.1-9] 5.0), each at the lower of its QoS and the granted `qos`: the first
   * step now, the rest on microtasks (see {@linkcode RetainedBacklog}).
   */
  sendRetained(
    messages: readonly Message[],
    qos: Qos,
    subscriptionIds: readonly number[] | undefined,
    nowMs: number,
  ): void {
    if (this.#state !== "connected" || messages.length === 0) return;
    const sending = this.#retained !== undefined;
    (this.#retained ??= new RetainedBacklog()).add(messages, qos, subscriptionIds, nowMs);
    if (!sending) this.#sendRetainedStep();
  }

  /** {@linkcode RetainedSink}: whether the ACL lets this client read `topic`. */
  mayReceiveRetained(topic: string): boolean {
    const access = this.core.access;
    return !access.checksDelivery || access.mayReceive(this, topic);
  }

  #sendRetainedStep(): void {
    const backlog = this.#retained;
    // A client that left had what remained queued in its session (#close).
    if (backlog === undefined || this.#state !== "connected") return;
    backlog.step(RETAINED_STEP_MESSAGES, this);
    // The writer takes this step's batch now; a write the kernel takes at once settles on a
    // microtask, so the writer is on to the next batch before the next step is made.
    this.#writeQueue.flush();
    if (!backlog.done) {
      queueMicrotask(() => this.#sendRetainedStep());
      return;
    }
    this.#retained = undefined;
    for (const held of backlog.takeHeld()) {
      this.deliverNow(held.outgoing, held.qos, held.retain, held.subscriptionIds);
    }
  }

  /**
   * The end of a QoS 1 (PUBACK) or QoS 2 (PUBCOMP, or a PUBREC with an error code) exchange: the
   * message leaves the window [MQTT-4.9.0-3], making room for a queued one. An unknown packet id
   * is ignored (a late ack for a message already dropped is harmless).
   */
  complete(packetId: number, expected: "puback" | "pubcomp" | "pubrec"): void {
    const session = this.session;
    const entry = session?.inflight.get(packetId);
    if (session === undefined || entry === undefined) return;
    const matches = expected === "puback"
      ? entry.qos === 1
      : expected === "pubcomp"
      ? entry.qos === 2 && entry.state === "pubrel"
      : entry.qos === 2 && entry.state === "publish";
    if (!matches) return;
    session.inflight.delete(packetId);
    session.dirty = true;
    this.drainQueue();
  }

  /**
   * PUBREC for a QoS 2 message we sent: it moves to "PUBREL sent" and PUBREL goes out
   * [MQTT-4.3.3-4]; a PUBREC for an unknown id still gets PUBREL, with 0x92 in MQTT 5.
   */
  received(packetId: number): void {
    const entry = this.session?.inflight.get(packetId);
    if (entry === undefined || entry.qos !== 2) {
      this.send(
        this.protocolVersion === 5
          ? { cmd: "pubrel", messageId: packetId, reasonCode: ReasonCode.PacketIdentifierNotFound }
          : { cmd: "pubrel", messageId: packetId },
      );
      return;
    }
    entry.state = "pubrel";
    this.session!.dirty = true;
    this.send({ cmd: "pubrel", messageId: packetId });
  }

  /** Sends queued messages while the in-flight window has room; expired ones are dropped. */
  drainQueue(): void {
    const session = this.session;
    if (session === undefined || this.#state !== "connected") return;
    while (!session.inflightFull) {
      const next: QueuedPublish | undefined = session.take();
      if (next === undefined) break;
      const nowMs = Date.now();
      if (isExpired(next.message, nowMs)) {
        this.core.stats.dropped++; // [MQTT-3.3.2-5] an expired message is not delivered
        continue;
      }
      this.#sendNew(
        OutgoingPublish.of(next.message, nowMs),
        next.qos,
        next.retain,
        next.subscriptionIds,
      );
    }
  }

  /**
   * A resumed session: every unacknowledged PUBLISH is sent again with DUP set and its original
   * packet id, and every unanswered PUBREL again, in the original order [MQTT-4.4.0-1]; then the
   * queued messages follow.
   */
  resume(): void {
    const session = this.session!;
    const nowMs = Date.now();
    for (const [packetId, entry] of session.inflight) {
      if (entry.state === "pubrel") {
        this.send({ cmd: "pubrel", messageId: packetId });
        continue;
      }
      const outgoing = OutgoingPublish.of(entry.message, nowMs);
      this.#sendPublish(
        this.#encode(outgoing, entry.qos, entry.retain, packetId, entry.subscriptionIds, true),
      );
    }
    this.drainQueue();
  }

  /** Holds further packets back (while CONNECT's credentials are checked). */
  hold(): void {
    this.#held ??= [];
  }

  /** Handles the held packets, in order, and stops holding. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const packet of held) dispatch(this, packet);
  }

  #isOpen(): boolean {
    return this.#state === "awaiting-connect" || this.#state === "connected";
  }

  /** A packet arrived: any control packet counts as activity for keep-alive. */
  #receive(packet: Packet): void {
    // The clock is read once per read, not per packet: a read of 100 acks is one moment.
    this.#lastPacketAtMs = this.#readAtMs;
    if (this.#held !== undefined) {
      if (this.#held.length >= MAX_HELD_PACKETS) {
        this.fail(
          new ProtocolError("too many packets sent before CONNACK", ReasonCode.QuotaExceeded),
        );
        return;
      }
      this.#held.push(packet);
      return;
    }
    dispatch(this, packet);
  }

  #sendNew(
    outgoing: OutgoingPublish,
    qos: 1 | 2,
    retain: boolean,
    subscriptionIds: readonly number[] | undefined,
  ): void {
    const session = this.session!;
    const packetId = session.allocatePacketId(outgoing.preferredPacketId);
    if (packetId === undefined) {
      this.core.stats.dropped++;
      return;
    }
    const bytes = this.#encode(outgoing, qos, retain, packetId, subscriptionIds, false);
    if (this.#sendPublish(bytes)) {
      session.dirty = true;
      session.inflight.set(
        packetId,
        qos === 1 && subscriptionIds === undefined ? outgoing.inflightEntry(retain) : {
          message: outgoing.message,
          qos,
          retain,
          subscriptionIds,
          state: "publish",
        },
      );
    }
  }

  /**
   * Encodes one PUBLISH for this client, with a topic alias when the client accepts them
   * (§3.3.2.3.4): the first aliases go to the first topics sent, then stay for the connection.
   */
  #encode(
    outgoing: OutgoingPublish,
    qos: Qos,
    retain: boolean,
    packetId: number,
    subscriptionIds: readonly number[] | undefined,
    dup: boolean,
  ): EncodedPublish {
    let alias: TopicAliasUse | undefined;
    if (this.topicAliasMaximumOut > 0) {
      const topic = outgoing.message.topic;
      const aliases = this.#topicAliasesOut ??= new Map();
      const known = aliases.get(topic);
      if (known !== undefined) {
        alias = { alias: known, sendTopic: false };
      } else if (aliases.size < this.topicAliasMaximumOut) {
        // [MQTT-3.3.2-10] never above the client's Topic Alias Maximum
        const next = aliases.size + 1;
        aliases.set(topic, next);
        alias = { alias: next, sendTopic: true };
      }
    }
    return outgoing.encode(
      this.protocolVersion,
      qos,
      retain,
      packetId,
      subscriptionIds,
      dup,
      alias,
    );
  }

  #sendPublish(bytes: EncodedPublish): boolean {
    // [MQTT-3.1.2-25] a packet over the client's Maximum Packet Size is discarded, not sent
    if (bytes.byteLength > this.maxOutgoingPacketSize) {
      this.core.stats.dropped++;
      return false;
    }
    if (!this.#writeQueue.push(bytes)) return false;
    this.core.stats.messagesOut++;
    return true;
  }

  #disconnectPacket(reasonCode: number, reason: string): Uint8Array | undefined {
    // [MQTT-3.14.0-1] the server sends DISCONNECT only to MQTT 5 clients, and only after CONNACK
    if (this.#state !== "connected" || this.protocolVersion !== 5) return undefined;
    const packet: Packet = { cmd: "disconnect", reasonCode };
    if (this.wantsProblemInformation) packet.properties = { reasonString: reason };
    return encodePacket(packet, 5);
  }

  #decodeFailed(error: unknown): void {
    const protocolError = error instanceof ProtocolError ? error : new ProtocolError(
      `internal error handling a packet: ${describe(error)}`,
      ReasonCode.ImplementationSpecificError,
      { cause: error },
    );
    if (
      this.#state === "awaiting-connect" && /protocol version/i.test(describe(error))
    ) {
      // [MQTT-3.1.2-2] an unsupported protocol level is answered with CONNACK 0x01, then closed;
      // the level is unknown, so the CONNACK is in the 3.1.1 form every version can read.
      this.refuse(
        { cmd: "connack", returnCode: 0x01, sessionPresent: false },
        4,
        protocolError.message,
      );
      return;
    }
    this.fail(protocolError);
  }

  /** The broker's deadline sweep asks: closes the connection when CONNECT or keep-alive is late. */
  checkDeadline(nowMs: number): number | undefined {
    if (this.#state === "awaiting-connect") {
      if (nowMs < this.#connectDeadlineMs) return this.#connectDeadlineMs;
      this.#close("no CONNECT within the connect timeout", { flush: false, publishWill: false });
      return undefined;
    }
    if (this.#state !== "connected" || this.#keepAliveLimitMs === 0) return undefined;
    const deadlineMs = this.#lastPacketAtMs + this.#keepAliveLimitMs;
    if (nowMs < deadlineMs) return deadlineMs;
    this.disconnect(ReasonCode.KeepAliveTimeout, "keep-alive timeout");
    return undefined;
  }

  /**
   * Ends the connection once: detaches it from the broker at once (no more deliveries), then
   * flushes a last packet if asked and closes the transport.
   */
  #close(reason: string, options: CloseOptions): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    const wasConnected = this.#state === "connected";
    this.#state = "closing";
    this.core.deadlines.unwatch(this);
    logger.debug("connection {clientId} closing: {reason}", {
      clientId: this.clientId || "(before CONNECT)",
      reason,
    });
    if (wasConnected) {
      this.#queueRetainedBacklog();
      this.core.detach(this, options.publishWill);
    }
    if (options.finalPacket !== undefined) this.#writeQueue.push(options.finalPacket);
    if (options.flush) {
      // Set now, before the read loop can see the closing state and stop reading.
      this.#lingering = options.finalPacket !== undefined &&
        this.#transport.closeWrite !== undefined;
      void this.#closeAfterFlush();
    } else {
      this.#closeTransport();
    }
  }

  /** What the retained backlog had still to send goes to the session's queue, in order. */
  #queueRetainedBacklog(): void {
    const backlog = this.#retained;
    if (backlog === undefined) return;
    this.#retained = undefined;
    const session = this.session!;
    for (const entry of backlog.takeRemaining(this)) {
      this.core.stats.dropped += session.enqueue(entry);
    }
  }

  async #closeAfterFlush(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_FLUSH_MS);
    });
    await Promise.race([this.#writeQueue.drained(), timeout]);
    clearTimeout(timer);
    if (this.#lingering) {
      // A lingering close: send FIN after the last packet, then read (and drop) until the peer
      // closes too. Closing with unread bytes would send RST, which can destroy the final
      // CONNACK or DISCONNECT before the peer reads it, and fail the peer's last writes.
      try {
        await this.#transport.closeWrite?.();
        const linger = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_LINGER_MS);
        });
        const readEnded = this.#readDone
          ? Promise.resolve()
          : (this.#readEnded ??= Promise.withResolvers()).promise;
        await Promise.race([readEnded, linger]);
        clearTimeout(timer);
      } catch {
        // The peer is gone already.
      }
      this.#lingering = false;
    }
    this.#closeTransport();
  }

  #closeTransport(): void {
    this.#writeQueue.close();
    if (!this.#transportClosed) {
      this.#transportClosed = true;
      try {
        this.#transport.close();
      } catch {
        // Already closed by the peer or the runtime: nothing left to release.
      }
    }
    this.#state = "closed";
    this.#closed?.resolve();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
