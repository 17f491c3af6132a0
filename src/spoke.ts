/**
 * The one place that wires the rooms together:
 * config → catalog → plan → schedule → queue → scrape → store → publish → broker,
 * with the HTTP side reading the store.
 */
import { getLogger } from "@logtape/logtape";
import { createApi, type PauseTarget, type ServiceStats } from "./api/mod.ts";
import { Broker, brokerOptionsFromSettings } from "./broker/mod.ts";
import {
  inShard,
  networkKey,
  networksOfCities,
  parseShard,
  resolveCatalog,
} from "./catalog/mod.ts";
import {
  type Config,
  ConfigError,
  type EffectivePlan,
  planFor,
  readPemFile,
} from "./config/mod.ts";
import { ExternalBroker, Publisher } from "./publish/mod.ts";
import { MetricsRegistry } from "./metrics/mod.ts";
import { CircuitBreaker, type PushResult, Semaphore, TaskQueue } from "./queue/mod.ts";
import { type KernelSleep, openKernelSleep, Scheduler } from "./schedule/mod.ts";
import {
  expandHeaders,
  FeedCache,
  HostLimiter,
  HttpClient,
  type NetworkSpec,
  nextbikeCities,
  NotModified,
  type ScrapeContext,
  type Scraper,
  scraperClasses,
  scraperFor,
} from "./scrape/mod.ts";
import { LatestStore, SqliteStore, StoreError } from "./store/mod.ts";
import { VERSION } from "./version.ts";

const log = getLogger(["spoke", "app"]);

/** How to start the pipeline beyond the config. */
export interface SpokeOptions {
  /** Run these networks instead of the catalog the config describes (the demo does). */
  networks?: NetworkSpec[];
}

interface Job {
  spec: NetworkSpec;
  plan: EffectivePlan;
  scraper: Scraper;
  queue: TaskQueue;
  semaphores: Semaphore[];
}

/** A running Spoke: broker, HTTP server, scheduler and queues. */
export class Spoke {
  #config: Config;
  readonly store = new LatestStore();
  readonly broker?: Broker;
  /** The external broker of `[publish] broker`, when set. */
  readonly external?: ExternalBroker;
  readonly queues = new Map<string, TaskQueue>();
  readonly jobs = new Map<string, Job>();
  /** Every count, gauge and histogram of the engine, for `/metrics`. */
  readonly metrics = new MetricsRegistry();
  /** One breaker per network: a dead feed backs off up to an hour and costs nothing. */
  readonly breaker: CircuitBreaker;
  /** The networks given at start instead of the catalog (the demo's); reload keeps them. */
  #fixedNetworks?: NetworkSpec[];
  /** Semaphores live across reloads so permits held by running scrapes stay counted. */
  #globalSemaphore?: Semaphore;
  #classSemaphores = new Map<string, Semaphore>();
  #networkSemaphores = new Map<string, Semaphore>();
  #skippedTotal;
  #scheduler: Scheduler;
  /** Starts runs to the tenth of a millisecond where glibc is there to sleep on. */
  #kernelSleep?: KernelSleep;
  #publisher: Publisher;
  #http?: Deno.HttpServer<Deno.NetAddr>;
  /** PEM text of `[http.tls]`, read at construction so a bad path fails before anything listens. */
  #httpTls?: { cert: string; key: string };
  /** Aborted at stop: ends the live page streams, which would otherwise hold the server open. */
  #closing = new AbortController();
  #startedAt = Date.now();
  #skipped = 0;
  /** Last states and station-count history on disk, when `[store] sqlite` is set. */
  #sqlite?: SqliteStore;
  /** The networks found so far for each `each_city` entry, by the entry's key. */
  #cities = new Map<string, NetworkSpec[]>();
  /** Why the last discovery of an `each_city` entry failed, by the entry's key. */
  #citiesFailed = new Map<string, string>();
  /** `each_city` entries asked at least once: a reload asks only new ones at once. */
  #citiesAsked = new Set<string>();
  #discovering?: Promise<CityDiscovery[]>;
  #discoverAgain = false;
  #discoveryTimer?: ReturnType<typeof setTimeout>;
  #stopped = false;
  #discoveryFailures = 0;
  #discoveryFailed;

  private constructor(config: Config, networks: NetworkSpec[]) {
    this.#config = config;
    this.#discoveryFailed = this.metrics.counter(
      "spoke_city_discovery_failures_total",
      "Failed asks of an each_city entry's feed for its cities, by entry.",
    );
    this.#skippedTotal = this.metrics.counter(
      "spoke_schedule_skipped_total",
      "Due runs not queued, by reason: duplicate (still queued or running), recent, open (breaker), full, closed.",
    );
    this.breaker = new CircuitBreaker({
      onChange: (state) =>
        state.state === "open"
          ? log.warn("{key}: circuit open after {failures} failures, stale until {until}", {
            key: state.key,
            failures: state.consecutiveFailures,
            until: new Date(state.openUntil ?? 0).toISOString(),
          })
          : log.info("{key}: circuit closed, scraping again", { key: state.key }),
    });
    this.metrics.gauge(
      "spoke_breaker_open",
      "Networks whose circuit breaker tripped: 1 while open (stale), 0 while half-open.",
      () =>
        this.breaker.states().filter((state) => state.state !== "closed").map((state) => ({
          labels: { network: state.key },
          value: state.state === "open" ? 1 : 0,
        })),
    );
    if (config.mqtt.enabled) {
      this.broker = new Broker(brokerOptionsFromSettings(config.mqtt, VERSION));
    }
    if (config.http.enabled && config.http.tls.cert !== "" && config.http.tls.key !== "") {
      this.#httpTls = {
        cert: readPemFile(config.http.tls.cert, "http.tls.cert"),
        key: readPemFile(config.http.tls.key, "http.tls.key"),
      };
    }
    if (config.publish.broker !== "") {
      this.external = new ExternalBroker({
        url: config.publish.broker,
        clientId: config.publish.client_id,
        maxPending: config.publish.max_pending,
        ...(config.publish.ca === "" ? {} : { ca: readPemFile(config.publish.ca, "publish.ca") }),
      });
    }
    this.#publisher = new Publisher(
      [this.broker, this.external].filter((sink) => sink !== undefined),
    );
    this.#syncQueues(config);
    this.#plan(networks);
    const kernelSleep = openKernelSleep();
    if (typeof kernelSleep === "string") {
      log.debug("runs start when Deno's timer fires (1–2 ms late): {reason}", {
        reason: kernelSleep,
      });
    } else this.#kernelSleep = kernelSleep;
    this.#scheduler = new Scheduler((key) => this.#due(key), {
      metrics: this.metrics,
      kernelSleep: this.#kernelSleep,
    });
  }

  /** Validates the networks against the scrapers, then starts every listener and job. */
  static async start(config: Config, options: SpokeOptions = {}): Promise<Spoke> {
    const spoke = new Spoke(config, networksOf(config, options.networks, new Map()));
    spoke.#fixedNetworks = options.networks;
    spoke.#sqlite = openSqlite(config);
    try {
      await spoke.#listen();
    } catch (error) {
      spoke.#sqlite?.close();
      spoke.#kernelSleep?.[Symbol.dispose]();
      throw error;
    }
    spoke.external?.start();
    // Before any scrape: what was known before a restart is served and published at once.
    await spoke.#restore();
    spoke.#schedule();
    if (eachCityEntries(config, options.networks).length > 0) spoke.#kickDiscovery();
    return spoke;
  }

  /** The running config; {@link reload} replaces it. */
  get config(): Config {
    return this.#config;
  }

  /** The embedded broker's TCP address, when it runs. */
  get mqttAddress(): Deno.NetAddr | undefined {
    return this.broker
      ? { transport: "tcp", hostname: this.config.mqtt.host, port: this.broker.port }
      : undefined;
  }

  get httpAddress(): Deno.NetAddr | undefined {
    return this.#http?.addr;
  }

  /**
   * Stops scheduling, lets running scrapes finish up to `graceMs` (default
   * `[engine] shutdown_timeout`), aborts the rest, then closes every listener
   * (MQTT clients get a server DISCONNECT) and flushes the external broker.
   */
  async stop(graceMs = this.#config.engine.shutdown_timeout * 1000): Promise<void> {
    this.#scheduler.stop();
    this.#stopped = true;
    clearTimeout(this.#discoveryTimer);
    await Promise.all([...this.queues.values()].map((queue) => queue.close(graceMs)));
    this.#httpClient?.close();
    this.#closing.abort();
    await this.#discovering?.catch(() => {});
    await this.#http?.shutdown();
    await this.broker?.close();
    await this.external?.close();
    this.#sqlite?.close();
    await this.#scheduler.settled();
    this.#kernelSleep?.[Symbol.dispose]();
  }

  /** Counters of every part, for `/stats`, `/metrics` and logs. */
  stats(): ServiceStats {
    const states = this.store.all();
    return {
      version: VERSION,
      uptimeS: Math.round((Date.now() - this.#startedAt) / 1000),
      networks: this.jobs.size,
      paused: this.#scheduler.pausedKeys().length,
      published: this.#publisher.published,
      scrapes: states.reduce((sum, state) => sum + state.scrapes, 0),
      failures: states.reduce((sum, state) => sum + state.failures, 0),
      skipped: this.#skipped,
      queues: [...this.queues.values()].map((queue) => queue.stats()),
      broker: this.broker?.stats(),
      history: this.#sqlite?.stats(),
      feedCache: this.#feedCache?.stats(),
      external: this.external?.stats(),
    };
  }

  /**
   * Stops the schedules of the networks a target names (all, a class, one
   * network by key or tag); scrapes already queued or running finish. Returns
   * the matching keys.
   */
  pause(target: PauseTarget = {}): string[] {
    const keys = new Set(this.#matching(target));
    const paused = this.#scheduler.pause((key) => keys.has(key));
    if (paused.length > 0) log.info("paused {count} networks", { count: paused.length });
    return [...keys];
  }

  /** Starts the schedules of paused networks a target names again; returns the matching keys. */
  resume(target: PauseTarget = {}): string[] {
    const keys = new Set(this.#matching(target));
    const resumed = this.#scheduler.resume((key) => keys.has(key));
    if (resumed.length > 0) log.info("resumed {count} networks", { count: resumed.length });
    return [...keys];
  }

  /** Keys whose schedule is paused. */
  paused(): string[] {
    return this.#scheduler.pausedKeys().sort();
  }

  #matching(target: PauseTarget): string[] {
    return [...this.jobs].filter(([key, job]) => {
      if (target.network !== undefined) {
        return key === target.network || job.spec.tag === target.network;
      }
      return target.class === undefined || job.spec.class === target.class;
    }).map(([key]) => key);
  }

  /**
   * Applies a new config without a restart. Everything is checked first, so
   * a config that cannot run (an unknown class) throws a {@link ConfigError}
   * and changes nothing. Then jobs of removed networks stop (a running
   * scrape finishes), new ones start, changed ones reschedule, and queue
   * workers and concurrency limits take their new values. Listeners, the
   * store and the external broker keep their settings until a restart.
   */
  reload(config: Config): { added: string[]; removed: string[]; changed: string[] } {
    const networks = networksOf(config, this.#fixedNetworks, this.#cities);
    const planned = this.#checkPlan(config, networks);
    for (const section of ["mqtt", "http", "store", "publish"] as const) {
      if (JSON.stringify(config[section]) !== JSON.stringify(this.#config[section])) {
        log.warn("reload: [{section}] changed; it takes effect at the next restart", { section });
      }
    }
    this.#config = config;
    this.#syncQueues(config);
    const next = this.#buildJobs(config, planned);
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    for (const [key, job] of this.jobs) {
      if (next.has(key)) continue;
      this.#scheduler.remove(key);
      job.queue.remove(key);
      this.breaker.forget(key);
      this.#networkSemaphores.delete(key);
      this.jobs.delete(key);
      removed.push(key);
    }
    for (const [key, job] of next) {
      const old = this.jobs.get(key);
      this.jobs.set(key, job);
      if (old && sameSchedule(old, job)) continue;
      if (old) changed.push(key);
      else added.push(key);
      this.#scheduleJob(key, job);
    }
    this.#closeUnusedQueues(config);
    const entries = eachCityEntries(config, this.#fixedNetworks);
    if (entries.some((entry) => !this.#citiesAsked.has(networkKey(entry)))) this.#kickDiscovery();
    log.info("reloaded: {added} added, {removed} removed, {changed} rescheduled", {
      added: added.length,
      removed: removed.length,
      changed: changed.length,
    });
    return { added, removed, changed };
  }

  /**
   * Asks the feed of every `each_city` entry for its cities (Spoke does it at
   * start and then every `[scrape] discovery_ttl`, sooner after a failure);
   * when the cities changed, their networks are added or removed as a reload
   * would. A feed that cannot be read keeps the cities found before.
   */
  discoverCities(): Promise<CityDiscovery[]> {
    if (this.#discovering) {
      this.#discoverAgain = true;
      return this.#discovering;
    }
    this.#discovering = this.#discover().finally(() => {
      this.#discovering = undefined;
      if (this.#discoverAgain) {
        this.#discoverAgain = false;
        this.#kickDiscovery();
      }
    });
    return this.#discovering;
  }

  async #discover(): Promise<CityDiscovery[]> {
    const config = this.#config;
    const entries = eachCityEntries(config, this.#fixedNetworks);
    const found = new Map<string, NetworkSpec[]>();
    const results = await Promise.all(entries.map(async (entry): Promise<CityDiscovery> => {
      const key = networkKey(entry);
      this.#citiesAsked.add(key);
      const plan = planFor(config, entry.class, entry.tag);
      try {
        const signal = AbortSignal.any([
          AbortSignal.timeout(plan.timeout * 1000),
          this.#closing.signal,
        ]);
        const cities = await nextbikeCities(entry.url, this.#scrapeContext(plan, signal));
        this.#citiesFailed.delete(key);
        const networks = networksOfCities(entry, cities);
        found.set(key, networks);
        return { key, networks: networks.map(networkKey) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.#citiesFailed.set(key, message);
        this.#discoveryFailed.labels({ network: key }).inc();
        log.warn("{key}: finding its cities failed, keeping {count}: {message}", {
          key,
          count: this.#cities.get(key)?.length ?? 0,
          message,
        });
        return { key, error: message };
      }
    }));
    if (this.#closing.signal.aborted) return results;
    let changed = false;
    for (const [key, networks] of found) {
      if (JSON.stringify(networks) === JSON.stringify(this.#cities.get(key))) continue;
      this.#cities.set(key, networks);
      log.info("{key}: {count} cities, one network each", { key, count: networks.length });
      changed = true;
    }
    const current = new Set(entries.map(networkKey));
    // An entry gone from the config takes its cities, and what was said of it, with it.
    for (const key of this.#citiesFailed.keys()) {
      if (!current.has(key)) this.#citiesFailed.delete(key);
    }
    for (const key of this.#cities.keys()) {
      if (current.has(key)) continue;
      this.#cities.delete(key);
      changed = true;
    }
    if (changed) this.reload(this.#config);
    this.#discoveryFailures = results.some((result) => result.error !== undefined)
      ? this.#discoveryFailures + 1
      : 0;
    this.#planDiscovery();
    return results;
  }

  #kickDiscovery(): void {
    if (this.#stopped) return;
    this.discoverCities().catch((error) => log.error("city discovery: {error}", { error }));
  }

  /** The next ask: after `discovery_ttl`, or 30 s doubled per failed round up to it. */
  #planDiscovery(): void {
    if (this.#stopped) return;
    clearTimeout(this.#discoveryTimer);
    if (eachCityEntries(this.#config, this.#fixedNetworks).length === 0) return;
    const ttlMs = this.#config.scrape.discovery_ttl * 1000;
    const delayMs = this.#discoveryFailures === 0
      ? ttlMs
      : Math.min(ttlMs, 30_000 * 2 ** (this.#discoveryFailures - 1));
    const timer = setTimeout(() => this.#kickDiscovery(), Math.max(1000, delayMs));
    Deno.unrefTimer(timer);
    this.#discoveryTimer = timer;
  }

  #plan(networks: NetworkSpec[]): void {
    const planned = this.#checkPlan(this.#config, networks);
    for (const [key, job] of this.#buildJobs(this.#config, planned)) this.jobs.set(key, job);
  }

  /** The plan of every enabled network, or the ConfigError of the first that cannot run. */
  #checkPlan(config: Config, networks: NetworkSpec[]): Array<Omit<Job, "queue" | "semaphores">> {
    const planned: Array<Omit<Job, "queue" | "semaphores">> = [];
    for (const spec of networks) {
      const plan = planFor(config, spec.class, spec.tag);
      if (!plan.enabled) continue;
      const key = networkKey(spec);
      const scraper = scraperFor(spec.class);
      if (!scraper) {
        throw new ConfigError(
          `network ${key}`,
          `no scraper for class "${spec.class}" (known: ${scraperClasses().join(", ")})`,
          { path: "class", value: spec.class },
        );
      }
      if (!Object.hasOwn(config.queues, plan.queue)) {
        throw new ConfigError(`network ${key}`, `unknown queue "${plan.queue}"`, {
          path: "queue",
          value: plan.queue,
        });
      }
      planned.push({ spec, plan, scraper });
    }
    return planned;
  }

  /** Jobs with their queue and semaphores; semaphores are reused (and resized) by name. */
  #buildJobs(config: Config, planned: Array<Omit<Job, "queue" | "semaphores">>): Map<string, Job> {
    // One semaphore per class; when rules disagree the strictest limit wins.
    const classLimits = new Map<string, number>();
    for (const { spec, plan } of planned) {
      const limit = classLimits.get(spec.class);
      classLimits.set(spec.class, Math.min(limit ?? Infinity, plan.concurrency.system));
    }
    for (const [cls, limit] of classLimits) {
      const semaphore = this.#classSemaphores.get(cls);
      if (semaphore) semaphore.resize(limit);
      else this.#classSemaphores.set(cls, new Semaphore(`class ${cls}`, limit));
    }
    const maxRunning = config.engine.max_running;
    if (maxRunning === 0) this.#globalSemaphore = undefined;
    else if (this.#globalSemaphore) this.#globalSemaphore.resize(maxRunning);
    else this.#globalSemaphore = new Semaphore("global", maxRunning);
    const jobs = new Map<string, Job>();
    for (const { spec, plan, scraper } of planned) {
      const key = networkKey(spec);
      let network = this.#networkSemaphores.get(key);
      if (network) network.resize(plan.concurrency.network);
      else {
        network = new Semaphore(`network ${key}`, plan.concurrency.network);
        this.#networkSemaphores.set(key, network);
      }
      // Global, class, network: one fixed order for every task (taken all at once anyway).
      const semaphores = [this.#globalSemaphore, this.#classSemaphores.get(spec.class)!, network]
        .filter((semaphore) => semaphore !== undefined);
      jobs.set(key, { spec, plan, scraper, queue: this.queues.get(plan.queue)!, semaphores });
    }
    return jobs;
  }

  /** Creates the queues of `[queues]` that do not exist yet and resizes the others. */
  #syncQueues(config: Config): void {
    const { queue_max_size: maxSize, overflow } = config.engine;
    for (const [name, workers] of Object.entries(config.queues)) {
      const existing = this.queues.get(name);
      if (existing && !existing.closed) {
        existing.resize(workers);
        // A reload resizes the bound and the policy too, not only the workers.
        existing.configure({ maxSize: maxSize === 0 ? Infinity : maxSize, overflow });
        continue;
      }
      this.queues.set(
        name,
        new TaskQueue(name, workers, {
          maxSize: maxSize === 0 ? Infinity : maxSize,
          overflow,
          breaker: this.breaker,
          metrics: this.metrics,
          onError: (task, error, info) =>
            log.warn("scrape {key} failed (attempt {attempt}){retry}: {message}", {
              key: task.key,
              attempt: info.attempt + 1,
              retry: info.retryInMs === undefined
                ? ""
                : `, retrying in ${(info.retryInMs / 1000).toFixed(1)} s`,
              message: error instanceof Error ? error.message : String(error),
            }),
          onDrop: (task) =>
            log.warn("queue {queue} full: dropped {key}", { queue: name, key: task.key }),
        }),
      );
    }
  }

  /** Queues a reload removed: they take no more tasks and finish what they run. */
  #closeUnusedQueues(config: Config): void {
    for (const [name, queue] of this.queues) {
      if (Object.hasOwn(config.queues, name)) continue;
      this.queues.delete(name);
      queue.close(config.engine.shutdown_timeout * 1000).catch((error) =>
        log.error("closing queue {name}: {error}", { name, error })
      );
    }
  }

  async #listen(): Promise<void> {
    if (this.broker) {
      const addr = await this.broker.listen();
      log.info("mqtt listening on {hostname}:{port}", { hostname: addr.hostname, port: addr.port });
    }
    if (this.config.http.enabled) {
      const api = createApi({
        networks: () => this.store.all(),
        byTag: (tag) => this.store.byTag(tag),
        watch: (listener) => this.store.watch(listener),
        closing: this.#closing.signal,
        mqttWebSocket: this.broker
          ? (request) => this.broker!.upgradeWebSocket(request)
          : undefined,
        history: this.#sqlite ? (query) => this.#sqlite!.history(query) : undefined,
        problems: () => this.#problems(),
        stats: () => this.stats(),
        metricsText: () => this.metrics.render(),
        admin: {
          token: this.config.http.admin_token,
          pause: (target) => this.pause(target),
          resume: (target) => this.resume(target),
          paused: () => this.paused(),
          config: () => this.config,
        },
      });
      const listening = Promise.withResolvers<void>();
      this.#http = Deno.serve({
        hostname: this.config.http.host,
        port: this.config.http.port,
        // HTTPS when [http.tls] is set; /mqtt below is then wss://.
        ...this.#httpTls,
        onListen: () => listening.resolve(),
      }, (request, info) => {
        // MQTT over WebSocket at /mqtt goes straight to the broker, past the Hono app.
        const broker = this.broker;
        if (broker !== undefined && new URL(request.url).pathname === "/mqtt") {
          return broker.upgradeWebSocket(request);
        }
        return api.fetch(request, info);
      });
      await listening.promise;
      const addr = this.#http.addr;
      log.info("http listening on {hostname}:{port}", {
        hostname: addr.hostname,
        port: addr.port,
        tls: this.#httpTls !== undefined,
      });
    }
  }

  #schedule(): void {
    for (const [key, job] of this.jobs) this.#scheduleJob(key, job);
    log.info("scheduled {count} networks", { count: this.jobs.size });
  }

  #scheduleJob(key: string, job: Job): void {
    const { plan } = job;
    this.#scheduler.add(key, {
      interval: plan.interval,
      cron: plan.cron,
      timezone: plan.timezone,
      jitter: plan.jitter,
      runAtStart: plan.runAtStart,
    });
  }

  #due(key: string): void {
    const job = this.jobs.get(key);
    if (!job) return;
    const { plan } = job;
    const result: PushResult = job.queue.push({
      key,
      priority: plan.priority,
      semaphores: job.semaphores,
      timeoutMs: plan.timeout * 1000,
      retries: plan.retries,
      backoffMs: plan.backoff * 1000,
      backoffMaxMs: plan.backoffMax * 1000,
      preventRequeueMs: plan.preventRequeue * 1000,
      breaker: {
        failures: plan.breaker.failures,
        backoffMs: plan.breaker.backoff * 1000,
        maxMs: plan.breaker.max * 1000,
      },
      run: (signal) => this.#scrape(job, signal),
    });
    if (result === "queued") return;
    this.#skippedTotal.labels({ reason: result }).inc();
    // A run due while the last one is still queued or running is skipped: no pile-up.
    if (result === "duplicate") {
      this.#skipped++;
      log.debug("skipped {key}: the previous run is still queued or running", { key });
    } else log.debug("skipped {key}: {reason}", { key, reason: result });
  }

  #feedCache?: FeedCache;
  #hostLimiter?: HostLimiter;
  #httpClient?: HttpClient;

  /**
   * What every scrape shares: the documents (conditional GET, ttl, one request
   * per URL), the per-host limit and the HTTP client with its kept-alive
   * connections. Made on first use from `[scrape]`; a reload keeps them (and
   * what they remember).
   */
  #fetchShared(): { cache: FeedCache; hosts: HostLimiter; http: HttpClient } {
    const scrape = this.config.scrape;
    this.#feedCache ??= new FeedCache({
      maxBytes: scrape.cache_bytes,
      maxTtlS: scrape.max_ttl,
      discoveryTtlS: scrape.discovery_ttl,
    });
    this.#hostLimiter ??= new HostLimiter(scrape.max_per_host);
    // As many idle connections per host as may be in flight to it.
    this.#httpClient ??= new HttpClient({ maxIdlePerOrigin: scrape.max_per_host });
    return { cache: this.#feedCache, hosts: this.#hostLimiter, http: this.#httpClient };
  }

  /** What a scrape, or a discovery of cities, of a network with `plan` is given. */
  #scrapeContext(plan: EffectivePlan, signal: AbortSignal): ScrapeContext {
    return {
      signal,
      maxBytes: this.config.scrape.max_bytes,
      userAgent: this.config.scrape.user_agent || `spoke/${VERSION}`,
      // Expanded per task so a rotated key is picked up; a missing variable fails the task.
      ...(plan.headers === undefined ? {} : { headers: expandHeaders(plan.headers) }),
      ...this.#fetchShared(),
    };
  }

  async #scrape(job: Job, signal: AbortSignal): Promise<void> {
    const { spec, plan } = job;
    let network;
    const startedAt = performance.now();
    try {
      network = await job.scraper(spec, this.#scrapeContext(plan, signal));
    } catch (error) {
      // Nothing changed since the last publish (304 or ttl): not a failure, nothing
      // new to send — unless the retained copy is half-way to its expiry.
      const kept = error instanceof NotModified ? this.store.get(spec.class, spec.tag) : undefined;
      if (error instanceof NotModified && kept?.network !== undefined) {
        if (Date.now() - (kept.updatedAt ?? 0) < plan.staleAfter * 500) {
          log.debug("{key}: not modified", { key: networkKey(spec) });
          return;
        }
        network = kept.network;
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.store.fail(spec.class, spec.tag, message, Date.now(), performance.now() - startedAt);
        throw error;
      }
    }
    const previous = this.store.get(spec.class, spec.tag)?.network;
    const at = Date.now();
    this.store.put(spec.class, spec.tag, network, at, performance.now() - startedAt);
    try {
      this.#sqlite?.save(spec.class, spec.tag, network, at, previous);
    } catch (error) {
      // A full or failing disk loses history, never the live data.
      log.error("{message}", { message: error instanceof Error ? error.message : String(error) });
    }
    await this.#publisher.publish(spec.class, network, { staleAfterS: plan.staleAfter });
    log.info("published {key}: {stations} stations", {
      key: networkKey(spec),
      stations: network.stations.length,
    });
  }

  /** Puts back and republishes the saved last state of every network this run schedules. */
  async #restore(): Promise<void> {
    if (!this.#sqlite) return;
    const now = Date.now();
    let restored = 0;
    for (const saved of this.#sqlite.lastStates()) {
      const job = this.jobs.get(saved.key);
      if (!job) continue;
      this.store.restore(saved.class, saved.tag, saved.network, saved.updatedAt);
      // The expiry counts from the scrape, not from the restart.
      const ageS = Math.max(0, (now - saved.updatedAt) / 1000);
      await this.#publisher.publish(saved.class, saved.network, {
        staleAfterS: Math.max(1, job.plan.staleAfter - ageS),
      });
      restored++;
    }
    log.info("restored {count} networks from {file}", {
      count: restored,
      file: this.#sqlite.file,
    });
  }

  #problems(): string[] {
    const problems: string[] = [];
    if (this.config.mqtt.enabled && !this.broker) problems.push("broker is not running");
    if (this.external && !this.external.connected) {
      problems.push(`external broker ${this.external.stats().url} is not connected`);
    }
    for (const state of this.store.all()) {
      if (state.lastError) problems.push(`${state.key}: ${state.lastError.message}`);
    }
    for (const [key, message] of this.#citiesFailed) {
      problems.push(`${key}: finding its cities failed: ${message}`);
    }
    for (const state of this.breaker.states()) {
      if (state.state !== "open") continue;
      problems.push(
        `${state.key}: stale, circuit open after ${state.consecutiveFailures} failed runs until ${
          new Date(state.openUntil!).toISOString()
        }`,
      );
    }
    return problems;
  }
}

function openSqlite(config: Config): SqliteStore | undefined {
  if (config.store.sqlite === "") return undefined;
  try {
    return new SqliteStore(config.store.sqlite, { retentionDays: config.store.retention_days });
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new ConfigError("[store] sqlite", error.message, {
      path: "store.sqlite",
      value: config.store.sqlite,
      cause: error,
    });
  }
}

/** What one `each_city` entry's discovery found: its networks' keys, or why it failed. */
export interface CityDiscovery {
  /** The entry's `<class>::<tag>`. */
  key: string;
  networks?: string[];
  error?: string;
}

/** The catalog a config names, or the networks given instead (the demo's). */
function catalogOf(config: Config, given: NetworkSpec[] | undefined): NetworkSpec[] {
  return given ?? resolveCatalog({
    builtin: config.catalog.builtin,
    include: config.catalog.include,
    exclude: config.catalog.exclude,
    networks: config.networks,
  });
}

/** The `each_city` entries whose plan is enabled: each is asked for its cities. */
function eachCityEntries(config: Config, given: NetworkSpec[] | undefined): NetworkSpec[] {
  return catalogOf(config, given).filter((spec) =>
    spec.each_city === true && planFor(config, spec.class, spec.tag).enabled
  );
}

/**
 * The networks a config runs: the given ones or its catalog, each `each_city`
 * entry replaced by the cities found for it, in this device's shard.
 */
function networksOf(
  config: Config,
  given: NetworkSpec[] | undefined,
  cities: ReadonlyMap<string, NetworkSpec[]>,
): NetworkSpec[] {
  const listed = catalogOf(config, given);
  const keys = new Set(listed.map(networkKey));
  const networks = listed.flatMap((spec) => {
    if (spec.each_city !== true) return [spec];
    // A network of the catalog or the config wins over a city of the same tag.
    return (cities.get(networkKey(spec)) ?? []).filter((city) => !keys.has(networkKey(city)));
  });
  return inThisShard(config, networks);
}

/** Whether a reloaded job fires as before (same network, same schedule). */
function sameSchedule(a: Job, b: Job): boolean {
  const when = (job: Job) =>
    JSON.stringify([
      job.spec,
      job.plan.interval,
      job.plan.cron,
      job.plan.timezone,
      job.plan.jitter,
      job.plan.runAtStart,
    ]);
  return when(a) === when(b);
}

/** The networks of this device's `[catalog] shard` (all of them without one). */
function inThisShard(config: Config, networks: NetworkSpec[]): NetworkSpec[] {
  if (config.catalog.shard === "") return networks;
  const shard = parseShard(config.catalog.shard);
  const mine = networks.filter((spec) => inShard(networkKey(spec), shard));
  log.info("shard {shard}: {count} of {total} networks", {
    shard: config.catalog.shard,
    count: mine.length,
    total: networks.length,
  });
  return mine;
}
