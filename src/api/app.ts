import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { NetworkState } from "../store/mod.ts";

/** What the HTTP side reads: it never reaches into the pipeline otherwise. */
export interface ApiSources {
  networks(): NetworkState[];
  /** Names what is wrong, or nothing when all is well. */
  problems(): string[];
  stats(): Record<string, unknown>;
}

/** The Hono app: CityBikes-style routes, health and stats. */
export function createApi(sources: ApiSources): Hono {
  const app = new Hono();

  app.get("/health", (c) => {
    const problems = sources.problems();
    return c.json({ ok: problems.length === 0, problems }, problems.length === 0 ? 200 : 503);
  });

  app.get("/stats", (c) => c.json(sources.stats()));

  app.get("/v2/networks", (c) => {
    const networks = sources.networks().flatMap((state) => {
      if (!state.network) return [];
      const { stations: _stations, vehicles: _vehicles, ...summary } = state.network;
      return [summary];
    });
    return c.json({ networks });
  });

  app.get("/v2/networks/:tag", (c) => {
    const tag = c.req.param("tag");
    const state = sources.networks().find((candidate) => candidate.tag === tag);
    if (!state?.network) throw new HTTPException(404, { message: `no network with tag "${tag}"` });
    return c.json({ network: state.network });
  });

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
