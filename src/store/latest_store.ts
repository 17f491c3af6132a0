import type { Network } from "../scrape/mod.ts";

/** What is known about one network: its last good state and how its last scrape went. */
export interface NetworkState {
  /** `<class>::<tag>` */
  key: string;
  class: string;
  tag: string;
  /** The last good snapshot, if there ever was one. */
  network?: Network;
  /** When the last good snapshot was taken (ms since the epoch). */
  updatedAt?: number;
  /** The last scrape's error, cleared by the next success. */
  lastError?: { message: string; at: number };
  scrapes: number;
  failures: number;
}

/**
 * The latest state per network, in memory: what HTTP serves and what a
 * restart would restore. Failures never overwrite a good snapshot.
 */
export class LatestStore {
  #states = new Map<string, NetworkState>();

  /** Records a fresh snapshot. */
  put(cls: string, tag: string, network: Network, at = Date.now()): NetworkState {
    const state = this.#state(cls, tag);
    state.network = network;
    state.updatedAt = at;
    state.lastError = undefined;
    state.scrapes++;
    return state;
  }

  /** Records a failed scrape, keeping the last good snapshot. */
  fail(cls: string, tag: string, message: string, at = Date.now()): NetworkState {
    const state = this.#state(cls, tag);
    state.lastError = { message, at };
    state.scrapes++;
    state.failures++;
    return state;
  }

  get(cls: string, tag: string): NetworkState | undefined {
    return this.#states.get(`${cls}::${tag}`);
  }

  /** Finds a network by tag alone, as the CityBikes API addresses it. */
  byTag(tag: string): NetworkState | undefined {
    for (const state of this.#states.values()) if (state.tag === tag) return state;
    return undefined;
  }

  all(): NetworkState[] {
    return [...this.#states.values()];
  }

  #state(cls: string, tag: string): NetworkState {
    const key = `${cls}::${tag}`;
    let state = this.#states.get(key);
    if (!state) {
      state = { key, class: cls, tag, scrapes: 0, failures: 0 };
      this.#states.set(key, state);
    }
    return state;
  }
}
