import { ProtocolError } from "./errors.ts";
import { topicFilterProblem } from "./topic_names.ts";
import { topicMatches } from "./topic_tree.ts";

/** Who asks; grows a username when password files arrive. */
export interface ClientIdentity {
  readonly clientId: string;
  readonly username: string | undefined;
}

/**
 * Who may publish where. Anonymous clients may subscribe to anything and publish anywhere except
 * the protected filters (by default `network/#` and `$SYS/#`), which only the broker's owner
 * reaches, through the in-process API, so no client can spoof the data it serves.
 */
export class AccessPolicy {
  readonly #protectedFilters: readonly string[];

  /** Throws {@linkcode ProtocolError} when a protected filter is not a valid topic filter. */
  constructor(protectedFilters: readonly string[]) {
    for (const filter of protectedFilters) {
      const problem = topicFilterProblem(filter);
      if (problem !== undefined) {
        throw new ProtocolError(`protectedTopics: ${problem}`);
      }
    }
    this.#protectedFilters = [...protectedFilters];
  }

  /** Whether `client` may publish on `topic`. */
  mayPublish(_client: ClientIdentity, topic: string): boolean {
    for (const filter of this.#protectedFilters) {
      // '$SYS/#' must match '$SYS/x' although a leading wildcard never matches '$' topics:
      // topicMatches applies [MQTT-4.7.2-1] only to first-level wildcards, so it does.
      if (topicMatches(filter, topic)) return false;
    }
    return true;
  }
}
