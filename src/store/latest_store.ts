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
  /** Milliseconds spent in scrapes of this network since start. */
  scrapeMsTotal: number;
  /** True while the snapshot is one restored from disk, not yet refreshed by a scrape. */
  restored?: boolean;
}

/** Called with the state that just changed (a snapshot, a failure or a restore). */
export type StateListener = (state: NetworkState) => void;

/**
 * The latest state per network, in memory: what HTTP serves and what a
 * restart restores. Failures never overwrite a good snapshot.
 */
export class LatestStore {
  #states = new Map<string, NetworkState>();
  #byTag = new Map<string, NetworkState>();
  #listeners = new Set<StateListener>();

  /** Records a fresh snapshot. */
  put(cls: string, tag: string, network: Network, at = Date.now(), durationMs = 0): NetworkState {
    const state = this.#state(cls, tag);
    state.network = network;
    state.updatedAt = at;
    state.lastError = undefined;
    state.restored = undefined;
    state.scrapes++;
    state.scrapeMsTotal += durationMs;
    this.#changed(state);
    return state;
  }

  /** Records a failed scrape, keeping the last good snapshot. */
  fail(cls: string, tag: string, message: string, at = Date.now(), durationMs = 0): NetworkState {
    const state = this.#state(cls, tag);
    state.lastError = { message, at };
    state.scrapes++;
    state.failures++;
    state.scrapeMsTotal += durationMs;
    this.#changed(state);
    return state;
  }

  /**
   * Puts back a snapshot saved before a restart. It counts as no scrape, and
   * never replaces a newer one.
   */
  restore(cls: string, tag: string, network: Network, updatedAt: number): NetworkState {
    const state = this.#state(cls, tag);
    if (state.updatedAt === undefined || state.updatedAt < updatedAt) {
      state.network = network;
      state.updatedAt = updatedAt;
      state.restored = true;
      this.#changed(state);
    }
    return state;
  }

  get(cls: string, tag: string): NetworkState | undefined {
    return this.#states.get(`${cls}::${tag}`);
  }

  /** Finds a network by tag alone, as the CityBikes API addresses it (tags are unique). */
  byTag(tag: string): NetworkState | undefined {
    return this.#byTag.get(tag);
  }

  all(): NetworkState[] {
    return [...this.#states.values()];
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  watch(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(state: NetworkState): void {
    for (const listener of this.#listeners) listener(state);
  }

  #state(cls: string, tag: string): NetworkState {
    const key = `${cls}::${tag}`;
    let state = this.#states.get(key);
    if (!state) {
      state = { key, class: cls, tag, scrapes: 0, failures: 0, scrapeMsTotal: 0 };
      this.#states.set(key, state);
      this.#byTag.set(tag, state);
    }
    return state;
  }
}
