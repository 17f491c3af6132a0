/**
 * A GBFS server for concurrency tests: network `n` lives at `/<n>/gbfs.json`
 * (the recorded Vélib' files, with the feed URLs pointed back here). Every
 * answer waits `delayMs` (or forever with `hang`, until close), and the
 * server records how many scrapes are in flight: a network counts while one
 * of its requests is open, since one scrape fetches its feeds in parallel.
 */

import { waitUntil as wait } from "../_support/wait_until.ts";

const FIXTURE = new URL("../fixtures/gbfs-v1-velib-paris/", import.meta.url);

export interface SlowFeedServer extends AsyncDisposable {
  url(network: string): string;
  /** Most networks with a request open at once. */
  readonly maxNetworksInFlight: number;
  /** Per network, most of its discovery (gbfs.json) requests open at once. */
  readonly maxDiscoveryInFlight: Map<string, number>;
  /** Requests answered or cut, per network. */
  readonly requests: Map<string, number>;
  /** Resolves once `count` requests have arrived. */
  requested(count: number): Promise<void>;
  close(): Promise<void>;
}

export function startSlowFeedServer(options: { delayMs: number; hang?: boolean }): SlowFeedServer {
  const closing = new AbortController();
  const open = new Map<string, number>();
  const discovery = new Map<string, number>();
  const maxDiscovery = new Map<string, number>();
  const requests = new Map<string, number>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let total = 0;
  let maxNetworks = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const [network, file] = new URL(request.url).pathname.slice(1).split("/") as [string, string];
      requests.set(network, (requests.get(network) ?? 0) + 1);
      total++;
      for (const waiter of waiters.filter((w) => total >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      open.set(network, (open.get(network) ?? 0) + 1);
      maxNetworks = Math.max(maxNetworks, [...open.values()].filter((n) => n > 0).length);
      const isDiscovery = file === "gbfs.json";
      if (isDiscovery) {
        discovery.set(network, (discovery.get(network) ?? 0) + 1);
        maxDiscovery.set(
          network,
          Math.max(maxDiscovery.get(network) ?? 0, discovery.get(network)!),
        );
      }
      try {
        await wait(closing.signal, options.hang ? Infinity : options.delayMs);
        if (closing.signal.aborted) return new Response("closing", { status: 503 });
        const text = await Deno.readTextFile(new URL(file, FIXTURE));
        if (!isDiscovery) {
          return new Response(text, {
            headers: { "content-type": "application/json" },
          });
        }
        const document = JSON.parse(text);
        for (const feed of document.data.en.feeds) {
          feed.url = `${origin}/${network}/${feed.name}.json`;
        }
        return Response.json(document);
      } finally {
        open.set(network, open.get(network)! - 1);
        if (isDiscovery) discovery.set(network, discovery.get(network)! - 1);
      }
    },
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const close = async () => {
    closing.abort();
    await server.shutdown();
  };
  return {
    url: (network) => `${origin}/${network}/gbfs.json`,
    get maxNetworksInFlight() {
      return maxNetworks;
    },
    maxDiscoveryInFlight: maxDiscovery,
    requests,
    requested: (count) =>
      total >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close,
    [Symbol.asyncDispose]: close,
  };
}
