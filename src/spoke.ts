/**
 * The one place that wires the rooms together:
 * config → catalog → plan → schedule → queue → scrape → store → publish → broker,
 * with the HTTP side reading the store.
 */
import { getLogger } from "@logtape/logtape";
import { createApi } from "./api/mod.ts";
import { Broker } from "./broker/mod.ts";
import { networkKey, resolveCatalog } from "./catalog/mod.ts";
import { type Config, ConfigError, type EffectivePlan, planFor } from "./config/mod.ts";
import { Publisher } from "./publish/mod.ts";
import { Semaphore, TaskQueue } from "./queue/mod.ts";
import { Scheduler } from "./schedule/mod.ts";
import { type NetworkSpec, type Scraper, scraperClasses, scraperFor } from "./scrape/mod.ts";
import { LatestStore } from "./store/mod.ts";
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
  readonly config: Config;
  readonly store = new LatestStore();
  readonly broker?: Broker;
  readonly queues = new Map<string, TaskQueue>();
  readonly jobs = new Map<string, Job>();
  #scheduler: Scheduler;
  #publisher: Publisher;
  #http?: Deno.HttpServer<Deno.NetAddr>;
  #startedAt = Date.now();
  #skipped = 0;

  private constructor(config: Config, networks: NetworkSpec[]) {
    this.config = config;
    if (config.mqtt.enabled) {
      this.broker = new Broker({
        hostname: config.mqtt.host,
        port: config.mqtt.port,
        maxPacketSize: config.mqtt.max_packet_size,
      });
    }
    this.#publisher = new Publisher(this.broker ? [this.broker] : []);
    for (const [name, workers] of Object.entries(config.queues)) {
      this.queues.set(
        name,
        new TaskQueue(name, workers, {
          onError: (task, error) =>
            log.warn("scrape {key} failed: {message}", {
              key: task.key,
              message: error instanceof Error ? error.message : String(error),
            }),
        }),
      );
    }
    this.#plan(networks);
    this.#scheduler = new Scheduler((key) => this.#due(key));
  }

  /** Validates the networks against the scrapers, then starts every listener and job. */
  static async start(config: Config, options: SpokeOptions = {}): Promise<Spoke> {
    const networks = options.networks ?? resolveCatalog({
      builtin: config.catalog.builtin,
      include: config.catalog.include,
      exclude: config.catalog.exclude,
      networks: config.networks,
    });
    const spoke = new Spoke(config, networks);
    await spoke.#listen();
    spoke.#schedule();
    return spoke;
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

  /** Stops scheduling, lets running scrapes finish up to `graceMs`, then closes every listener. */
  async stop(graceMs = 5000): Promise<void> {
    this.#scheduler.stop();
    await Promise.all([...this.queues.values()].map((queue) => queue.close(graceMs)));
    await this.#http?.shutdown();
    await this.broker?.close();
  }

  /** Counters of every part, for `/stats` and logs. */
  stats(): Record<string, unknown> {
    const states = this.store.all();
    return {
      version: VERSION,
      uptimeS: Math.round((Date.now() - this.#startedAt) / 1000),
      networks: this.jobs.size,
      published: this.#publisher.published,
      scrapes: states.reduce((sum, state) => sum + state.scrapes, 0),
      failures: states.reduce((sum, state) => sum + state.failures, 0),
      skipped: this.#skipped,
      queues: [...this.queues.values()].map((queue) => queue.stats()),
      broker: this.broker?.stats(),
    };
  }

  #plan(networks: NetworkSpec[]): void {
    const classSemaphores = new Map<string, Semaphore>();
    const planned = networks.map((spec) => ({
      spec,
      plan: planFor(this.config, spec.class, spec.tag),
    }));
    // One semaphore per class; when rules disagree the strictest limit wins.
    const classLimits = new Map<string, number>();
    for (const { spec, plan } of planned) {
      const limit = classLimits.get(spec.class);
      classLimits.set(spec.class, Math.min(limit ?? Infinity, plan.concurrency.system));
    }
    for (const { spec, plan } of planned) {
      const key = networkKey(spec);
      if (!plan.enabled) continue;
      const scraper = scraperFor(spec.class);
      if (!scraper) {
        throw new ConfigError(
          `network ${key}`,
          `no scraper for class "${spec.class}" (known: ${scraperClasses().join(", ")})`,
          { path: "class", value: spec.class },
        );
      }
      const queue = this.queues.get(plan.queue);
      if (!queue) {
        throw new ConfigError(`network ${key}`, `unknown queue "${plan.queue}"`, {
          path: "queue",
          value: plan.queue,
        });
      }
      let classSemaphore = classSemaphores.get(spec.class);
      if (!classSemaphore) {
        classSemaphore = new Semaphore(`class ${spec.class}`, classLimits.get(spec.class)!);
        classSemaphores.set(spec.class, classSemaphore);
      }
      // Acquired in a fixed order (class, then network) by every task.
      const semaphores = [
        classSemaphore,
        new Semaphore(`network ${key}`, plan.concurrency.network),
      ];
      this.jobs.set(key, { spec, plan, scraper, queue, semaphores });
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
        problems: () => this.#problems(),
        stats: () => this.stats(),
      });
      const listening = Promise.withResolvers<void>();
      this.#http = Deno.serve({
        hostname: this.config.http.host,
        port: this.config.http.port,
        onListen: () => listening.resolve(),
      }, api.fetch);
      await listening.promise;
      const addr = this.#http.addr;
      log.info("http listening on {hostname}:{port}", { hostname: addr.hostname, port: addr.port });
    }
  }

  #schedule(): void {
    for (const [key, job] of this.jobs) {
      const { plan } = job;
      this.#scheduler.add(key, {
        interval: plan.interval,
        cron: plan.cron,
        timezone: plan.timezone,
        jitter: plan.jitter,
        runAtStart: plan.runAtStart,
      });
    }
    log.info("scheduled {count} networks", { count: this.jobs.size });
  }

  #due(key: string): void {
    const job = this.jobs.get(key);
    if (!job) return;
    const result = job.queue.push({
      key,
      priority: job.plan.priority,
      semaphores: job.semaphores,
      timeoutMs: job.plan.timeout * 1000,
      run: (signal) => this.#scrape(job, signal),
    });
    // A run due while the last one is still queued or running is skipped: no pile-up.
    if (result === "duplicate") {
      this.#skipped++;
      log.debug("skipped {key}: the previous run is still queued or running", { key });
    }
  }

  async #scrape(job: Job, signal: AbortSignal): Promise<void> {
    const { spec, plan } = job;
    let network;
    try {
      network = await job.scraper(spec, {
        signal,
        maxBytes: this.config.scrape.max_bytes,
        userAgent: this.config.scrape.user_agent || `spoke/${VERSION}`,
      });
    } catch (error) {
      this.store.fail(spec.class, spec.tag, error instanceof Error ? error.message : String(error));
      throw error;
    }
    this.store.put(spec.class, spec.tag, network);
    await this.#publisher.publish(spec.class, network, { staleAfterS: plan.staleAfter });
    log.info("published {key}: {stations} stations", {
      key: networkKey(spec),
      stations: network.stations.length,
    });
  }

  #problems(): string[] {
    const problems: string[] = [];
    if (this.config.mqtt.enabled && !this.broker) problems.push("broker is not running");
    for (const state of this.store.all()) {
      if (state.lastError) problems.push(`${state.key}: ${state.lastError.message}`);
    }
    return problems;
  }
}
