import type { BrokerCore } from "./broker_core.ts";
import { createMessage } from "./message.ts";

/**
 * The broker's own state under `$SYS/broker/...`, published retained every interval so a
 * monitoring client subscribing to `$SYS/#` sees it at once (mosquitto's names where they
 * exist). A leading wildcard never matches these topics [MQTT-4.7.2-1], so `#` subscribers are
 * not flooded.
 */
export class SysTopics {
  readonly #core: BrokerCore;
  readonly #version: string;
  readonly #startedAtMs = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(core: BrokerCore, version: string) {
    this.#core = core;
    this.#version = version;
  }

  /** Publishes every `intervalSeconds`, the first time one interval from now; 0 turns them off. */
  start(intervalSeconds: number): void {
    if (intervalSeconds <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.publish(), intervalSeconds * 1000);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The topics and values of one update. */
  values(): Map<string, string> {
    const stats = this.#core.snapshot();
    return new Map([
      ["version", this.#version],
      ["uptime", `${Math.floor((Date.now() - this.#startedAtMs) / 1000)} seconds`],
      ["clients/connected", `${stats.clientsConnected}`],
      ["clients/total", `${stats.clientsTotal}`],
      ["messages/received", `${stats.messagesIn}`],
      ["messages/sent", `${stats.messagesOut}`],
      ["messages/dropped", `${stats.dropped}`],
      ["messages/queued", `${stats.queued}`],
      ["bytes/received", `${stats.bytesIn}`],
      ["bytes/sent", `${stats.bytesOut}`],
      ["retained messages/count", `${stats.retained}`],
      ["subscriptions/count", `${stats.subscriptions}`],
      ["sessions/count", `${stats.sessions}`],
      ["protocol errors", `${stats.protocolErrors}`],
    ]);
  }

  /** Publishes one update, retained. */
  publish(): void {
    for (const [name, value] of this.values()) {
      this.#core.route(createMessage({
        topic: `$SYS/broker/${name}`,
        payload: value,
        qos: 0,
        retain: true,
      }, undefined));
    }
  }
}
