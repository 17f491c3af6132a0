/**
 * The retained messages of a client's new subscriptions on their way out [MQTT-3.8.4-4], sent a
 * step at a time on microtasks. Between two steps the connection's writer puts the batch made so
 * far on the socket, so the subscriber reads the first thousands of bytes while the rest are
 * made: sent all at once, a thousand 4 KiB messages (0.3 – 1 ms of work) reached the socket only
 * after the last of them was made, and the subscriber waited for all of them before its second
 * batch. Every step runs before the event loop reads another socket, as one synchronous loop did,
 * and the messages routed to the client meanwhile wait behind the backlog, so everything still
 * goes out in the order the broker decided it.
 */
import type { Message } from "./message.ts";
import { OutgoingPublish } from "./outgoing.ts";
import type { Qos, QueuedPublish } from "./session.ts";

/** Retained messages sent in one step: about a write batch (64 KiB) of 4 KiB messages. */
export const RETAINED_STEP_MESSAGES = 16;

/** What a backlog sends through: the client it belongs to. */
export interface RetainedSink {
  /** Whether the client may be sent a message on `topic` (its ACL's read rules). */
  mayReceiveRetained(topic: string): boolean;
  /** Sends one message now, ahead of anything held behind the backlog. */
  deliverNow(
    outgoing: OutgoingPublish,
    qos: Qos,
    retain: boolean,
    subscriptionIds: readonly number[] | undefined,
  ): void;
}

/** A delivery held behind the backlog, as `Client.deliver` took it. */
export interface HeldDelivery {
  readonly outgoing: OutgoingPublish;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[] | undefined;
}

/** One subscription's retained messages, and how far they have gone. */
interface Pending {
  readonly messages: readonly Message[];
  index: number;
  /** The subscription's granted QoS: each message goes at the lower of it and its own. */
  readonly qos: Qos;
  readonly subscriptionIds: readonly number[] | undefined;
  /** When the subscription came: the expiry each message carries is counted from then. */
  readonly nowMs: number;
}

/** The retained messages still to go to one client, subscription after subscription. */
export class RetainedBacklog {
  readonly #pending: Pending[] = [];
  readonly #held: HeldDelivery[] = [];

  /** Adds a subscription's retained messages after those already waiting. */
  add(
    messages: readonly Message[],
    qos: Qos,
    subscriptionIds: readonly number[] | undefined,
    nowMs: number,
  ): void {
    if (messages.length > 0) {
      this.#pending.push({ messages, index: 0, qos, subscriptionIds, nowMs });
    }
  }

  /** Whether every retained message has gone. */
  get done(): boolean {
    return this.#pending.length === 0;
  }

  /** Keeps a delivery that came while retained messages were still going, to send after them. */
  hold(delivery: HeldDelivery): void {
    this.#held.push(delivery);
  }

  /** Sends up to `count` retained messages to `sink`, in order. */
  step(count: number, sink: RetainedSink): void {
    let budget = count;
    while (budget > 0 && this.#pending.length > 0) {
      const pending = this.#pending[0]!;
      const { messages, qos: granted } = pending;
      while (budget > 0 && pending.index < messages.length) {
        const message = messages[pending.index++]!;
        if (!sink.mayReceiveRetained(message.topic)) continue;
        const qos = message.qos < granted ? message.qos : granted;
        sink.deliverNow(
          OutgoingPublish.of(message, pending.nowMs),
          qos,
          true,
          pending.subscriptionIds,
        );
        budget--;
      }
      if (pending.index === messages.length) this.#pending.shift();
    }
  }

  /** The deliveries held behind the backlog, oldest first; the backlog keeps none. */
  takeHeld(): HeldDelivery[] {
    return this.#held.splice(0);
  }

  /**
   * What had still to go when the client left, for its session to queue: the retained messages
   * not yet sent, then the held deliveries, at QoS 1 and 2 (a QoS 0 message to a client that has
   * gone is lost, as one in its write queue is). A session that lives on sends them when its
   * client returns, as it would have had they gone out before the connection ended.
   */
  takeRemaining(sink: RetainedSink): QueuedPublish[] {
    const remaining: QueuedPublish[] = [];
    for (const pending of this.#pending.splice(0)) {
      for (let i = pending.index; i < pending.messages.length; i++) {
        const message = pending.messages[i]!;
        const qos = message.qos < pending.qos ? message.qos : pending.qos;
        if (qos === 0 || !sink.mayReceiveRetained(message.topic)) continue;
        remaining.push({ message, qos, retain: true, subscriptionIds: pending.subscriptionIds });
      }
    }
    for (const { outgoing, qos, retain, subscriptionIds } of this.takeHeld()) {
      if (qos !== 0) remaining.push({ message: outgoing.message, qos, retain, subscriptionIds });
    }
    return remaining;
  }
}
