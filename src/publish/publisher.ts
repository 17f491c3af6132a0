import type { BrokerMessage } from "../broker/mod.ts";
import type { Network } from "../scrape/mod.ts";
import { networkMessage } from "./network_message.ts";

/** Where messages go: the embedded broker, or (later) an external one. */
export interface MessageSink {
  publish(message: BrokerMessage): void | Promise<void>;
}

/** Turns fresh snapshots into messages and hands them to every sink. */
export class Publisher {
  #sinks: MessageSink[];
  #published = 0;

  constructor(sinks: MessageSink[]) {
    this.#sinks = sinks;
  }

  async publish(cls: string, network: Network, options: { staleAfterS: number }): Promise<void> {
    const message = networkMessage(cls, network, options);
    await Promise.all(this.#sinks.map((sink) => sink.publish(message)));
    this.#published++;
  }

  get published(): number {
    return this.#published;
  }
}
