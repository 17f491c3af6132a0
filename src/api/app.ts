import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { getLogger } from "@logtape/logtape";
import type { HistoryPoint, HistoryQuery, NetworkState, StateListener } from "../store/mod.ts";
import { liveEventStream } from "./live_events.ts";
import { LIVE_PAGE_HTML } from "./live_page.ts";
import { type AdminControl, adminRoutes } from "./admin_routes.ts";
import { renderMetrics } from "./metrics.ts";
import { networkRoutes } from "./network_routes.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { type ProcessSample, processSample, type ServiceStats } from "./service_stats.ts";

const log = getLogger(["spoke", "api"]);

/** No route takes more than a small JSON object; anything bigger is refused unread. */
export const MAX_BODY_BYTES = 16 * 1024;

/** What the HTTP side reads: it never reaches into the pipeline otherwise. */
export interface ApiSources {
  networks(): NetworkState[];
  /** One network by tag; falls back to a scan of `networks()` when absent. */
  byTag?(tag: string): NetworkState | undefined;
  /** Names what is wrong, or nothing when all is well. */
  problems(): string[];
  stats(): ServiceStats;
  /** The station-count history (SQLite); without it the history route says it is off. */
  history?(query: HistoryQuery): HistoryPoint[];
  /** Every change of a network's state; the live page (`/`, `/events`) needs it. */
  watch?(listener: StateListener): () => void;
  /** Answers a WebSocket upgrade with an MQTT connection to the broker (`/mqtt`). */
  mqttWebSocket?(request: Request): Response;
  /** Aborted when the server shuts down: open `/events` streams end instead of holding it up. */
  closing?: AbortSignal;
  /** Pause, resume and config; the admin routes exist only when this has a non-empty token. */
  admin?: AdminControl;
  /** Prometheus text of the engine's metrics registry, served after Spoke's own families. */
  metricsText?(): string;
  /** This process's memory and CPU (tests pass a fixed one). */
  processSample?(): ProcessSample;
}

/**
 * The Hono app: CityBikes v2 routes and history, `/health`, `/metrics`,
 * `/stats`, the live page (`/`, `/events`) and, with a token, `/admin/*`. Every error is a JSON body `{ "error": "…" }`.
 */
export function createApi(sources: ApiSources): Hono {
  const app = new Hono();
  const sample = sources.processSample ?? processSample;

  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HTTPException(413, { message: `the body is over ${MAX_BODY_BYTES} bytes` });
      },
    }),
  );

  const watch = sources.watch?.bind(sources);
  if (watch) {
    app.get("/", (c) => c.html(LIVE_PAGE_HTML));
    app.get(
      "/events",
      (c) =>
        c.body(
          liveEventStream({ networks: () => sources.networks(), watch }, sources.closing),
          200,
          {
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
          },
        ),
    );
  }

  const mqttWebSocket = sources.mqttWebSocket?.bind(sources);
  if (mqttWebSocket) app.get("/mqtt", (c) => mqttWebSocket(c.req.raw));

  app.get("/health", (c) => {
    const problems = sources.problems();
    return c.json({ ok: problems.length === 0, problems }, problems.length === 0 ? 200 : 503);
  });

  app.get("/stats", (c) => c.json({ ...sources.stats(), process: sample() }));

  app.get("/metrics", (c) => {
    const body = renderMetrics(
      sources.stats(),
      sources.networks(),
      sample(),
      sources.metricsText?.() ?? "",
    );
    return c.body(body, 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });

  app.route(
    "/v2/networks",
    networkRoutes({
      networks: () => sources.networks(),
      byTag: sources.byTag ??
        ((tag) => sources.networks().find((state) => state.tag === tag)),
      history: sources.history?.bind(sources),
    }),
  );

  if (sources.admin && sources.admin.token !== "") app.route("/admin", adminRoutes(sources.admin));

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // Headers set before the throw (WWW-Authenticate) stay on the answer.
      return c.json({ error: error.message }, error.status);
    }
    log.error("{method} {path} failed: {error}", {
      method: c.req.method,
      path: c.req.path,
      error,
    });
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
