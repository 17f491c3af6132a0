import type { NetworkState, StateListener } from "../store/mod.ts";

/** What the live page shows of one network. */
export interface NetworkSummary {
  key: string;
  class: string;
  tag: string;
  name: string;
  city: string | null;
  stations: number;
  /** Free bikes over all stations. */
  bikes: number;
  /** Free docks over all stations that report them. */
  docks: number;
  /** ISO time of the last good snapshot, or null before the first. */
  updatedAt: string | null;
  /** The last scrape's error, or null when it went well. */
  error: string | null;
  /** True while the snapshot is one restored from disk after a restart. */
  restored: boolean;
}

/** Where the live stream reads: every state now, and each change as it happens. */
export interface LiveSource {
  networks(): NetworkState[];
  watch(listener: StateListener): () => void;
}

/** How often an idle stream sends a comment, so proxies and phones keep it open. */
export const KEEPALIVE_MS = 25_000;

export function summarize(state: NetworkState): NetworkSummary {
  const network = state.network;
  let bikes = 0;
  let docks = 0;
  for (const station of network?.stations ?? []) {
    bikes += station.free_bikes;
    docks += station.empty_slots ?? 0;
  }
  return {
    key: state.key,
    class: state.class,
    tag: state.tag,
    name: network?.name ?? state.tag,
    city: network?.location.city ?? null,
    stations: network?.stations.length ?? 0,
    bikes,
    docks,
    updatedAt: state.updatedAt === undefined ? null : new Date(state.updatedAt).toISOString(),
    error: state.lastError?.message ?? null,
    restored: state.restored === true,
  };
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A Server-Sent Events stream: a `snapshot` event with every network, then a
 * `network` event per change. A client that reads slowly gets only the latest
 * state of each network that changed meanwhile (the stream pulls; nothing
 * piles up per client beyond one entry per network).
 */
export function liveEventStream(
  source: LiveSource,
  /** Ends the stream (the server is shutting down and must not wait for open pages). */
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const changed = new Map<string, NetworkState>();
  let wake: (() => void) | undefined;
  let keepalive = false;
  let closed = false;
  let unwatch: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    closed = true;
    unwatch?.();
    clearInterval(timer);
    signal?.removeEventListener("abort", end);
    wake?.();
  };
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  // Ended from this side (shutdown): the reader sees the end of the stream.
  const end = () => {
    stop();
    try {
      controllerRef?.close();
    } catch {
      // already closed or cancelled
    }
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (signal?.aborted) {
        closed = true;
        controller.close();
        return;
      }
      controllerRef = controller;
      signal?.addEventListener("abort", end);
      controller.enqueue(encoder.encode(event("snapshot", source.networks().map(summarize))));
      unwatch = source.watch((state) => {
        changed.set(state.key, state);
        wake?.();
      });
      timer = setInterval(() => {
        keepalive = true;
        wake?.();
      }, KEEPALIVE_MS);
    },
    async pull(controller) {
      while (!closed && changed.size === 0 && !keepalive) {
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
      if (closed) return;
      let text = keepalive && changed.size === 0 ? ": keepalive\n\n" : "";
      keepalive = false;
      for (const state of changed.values()) text += event("network", summarize(state));
      changed.clear();
      controller.enqueue(encoder.encode(text));
    },
    cancel: stop,
  }, { highWaterMark: 0 });
}
