/**
 * One registry of counters, gauges and histograms, rendered on demand in the
 * Prometheus text exposition format (0.0.4). Hot paths hold a labelled series
 * (`counter.labels({ queue: "default" })`) so recording is an addition, not a
 * label lookup.
 */

/** Label names to values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** One value of a gauge read at render time. */
export interface GaugeSample {
  labels?: Labels;
  value: number;
}

/** The `Content-Type` of {@link MetricsRegistry.render}. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Seconds; from a fast local fetch to a slow feed. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The error of a bad metric or label name, or of one name registered as two types. */
export class MetricsError extends Error {
  override name = "MetricsError";
}

function labelText(labels: Labels | undefined, extra = ""): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!LABEL.test(key) || key.startsWith("__")) {
      throw new MetricsError(`label name "${key}" is not valid`);
    }
    const escaped = value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
    parts.push(`${key}="${escaped}"`);
  }
  if (extra !== "") parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** A value that only goes up. */
export class CounterSeries {
  value = 0;
  /** Adds `amount` (default 1); a negative amount is refused. */
  inc(amount = 1): void {
    if (!(amount >= 0)) throw new MetricsError(`a counter cannot go down, got ${amount}`);
    this.value += amount;
  }
}

/** A value that goes up and down. */
export class GaugeSeries {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(amount = 1): void {
    this.value += amount;
  }
  dec(amount = 1): void {
    this.value -= amount;
  }
}

/** Observations counted into fixed buckets, with their sum and count. */
export class HistogramSeries {
  readonly buckets: readonly number[];
  /** Per bucket, not cumulative; the last slot is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(buckets: readonly number[]) {
    this.buckets = buckets;
    this.counts = new Array(buckets.length + 1).fill(0);
  }

  observe(value: number): void {
    if (Number.isNaN(value)) return;
    let index = 0;
    while (index < this.buckets.length && value > this.buckets[index]!) index++;
    this.counts[index]!++;
    this.sum += value;
    this.count++;
  }
}

type Series = CounterSeries | GaugeSeries | HistogramSeries;

/** A metric family: a name, a help text and its series by label set. */
abstract class Family<S extends Series> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: "counter" | "gauge" | "histogram";
  #series = new Map<string, { labels: Labels; series: S }>();

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  /** The series of these labels, created at zero on first use. */
  labels(labels: Labels = {}): S {
    const id = labelText(labels);
    let entry = this.#series.get(id);
    if (!entry) {
      entry = { labels: { ...labels }, series: this.create() };
      this.#series.set(id, entry);
    }
    return entry.series;
  }

  /** Forgets the series of these labels (a removed network, a closed queue). */
  remove(labels: Labels = {}): void {
    this.#series.delete(labelText(labels));
  }

  protected abstract create(): S;

  /** Every series, for rendering. */
  series(): Iterable<{ labels: Labels; series: S }> {
    return this.#series.values();
  }
}

export class Counter extends Family<CounterSeries> {
  readonly type = "counter";
  inc(amount = 1, labels?: Labels): void {
    this.labels(labels).inc(amount);
  }
  protected create(): CounterSeries {
    return new CounterSeries();
  }
}

export class Gauge extends Family<GaugeSeries> {
  readonly type = "gauge";
  /** Read at render time, for values another part already holds (breaker states). */
  readonly collect?: () => Iterable<GaugeSample>;
  constructor(name: string, help: string, collect?: () => Iterable<GaugeSample>) {
    super(name, help);
    this.collect = collect;
  }
  set(value: number, labels?: Labels): void {
    this.labels(labels).set(value);
  }
  protected create(): GaugeSeries {
    return new GaugeSeries();
  }
}

export class Histogram extends Family<HistogramSeries> {
  readonly type = "histogram";
  readonly buckets: readonly number[];
  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help);
    if (buckets.length === 0 || buckets.some((b, i) => !(b > (buckets[i - 1] ?? -Infinity)))) {
      throw new MetricsError(`histogram ${name}: buckets must be increasing numbers`);
    }
    this.buckets = buckets;
  }
  observe(value: number, labels?: Labels): void {
    this.labels(labels).observe(value);
  }
  protected create(): HistogramSeries {
    return new HistogramSeries(this.buckets);
  }
}

type AnyFamily = Counter | Gauge | Histogram;

/**
 * Every metric of a process. Asking twice for one name gives the same family,
 * so several queues share `spoke_queue_wait_seconds` with their own label.
 */
export class MetricsRegistry {
  #families = new Map<string, AnyFamily>();

  counter(name: string, help: string): Counter {
    return this.#family(name, "counter", () => new Counter(name, help));
  }

  /** A gauge; with `collect`, its samples are read at render time instead. */
  gauge(name: string, help: string, collect?: () => Iterable<GaugeSample>): Gauge {
    return this.#family(name, "gauge", () => new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    return this.#family(name, "histogram", () => new Histogram(name, help, buckets));
  }

  /** The family of a name, if registered. */
  get(name: string): AnyFamily | undefined {
    return this.#families.get(name);
  }

  /** The value of one counter or gauge series, 0 when it does not exist. */
  value(name: string, labels: Labels = {}): number {
    const family = this.#families.get(name);
    if (family === undefined || family.type === "histogram") return 0;
    for (const { labels: own, series } of family.series()) {
      if (labelText(own) === labelText(labels)) return series.value;
    }
    return 0;
  }

  /** Every family in registration order, in the Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    for (const family of this.#families.values()) {
      const body: string[] = [];
      if (family.type === "histogram") {
        for (const { labels, series } of family.series()) {
          let cumulative = 0;
          series.buckets.forEach((bound, index) => {
            cumulative += series.counts[index]!;
            body.push(`${family.name}_bucket${labelText(labels, `le="${bound}"`)} ${cumulative}`);
          });
          body.push(`${family.name}_bucket${labelText(labels, 'le="+Inf"')} ${series.count}`);
          body.push(`${family.name}_sum${labelText(labels)} ${formatValue(series.sum)}`);
          body.push(`${family.name}_count${labelText(labels)} ${series.count}`);
        }
      } else {
        for (const { labels, series } of family.series()) {
          body.push(`${family.name}${labelText(labels)} ${formatValue(series.value)}`);
        }
        if (family.type === "gauge" && family.collect) {
          for (const sample of family.collect()) {
            body.push(`${family.name}${labelText(sample.labels)} ${formatValue(sample.value)}`);
          }
        }
      }
      // A family with no series yet says nothing rather than a misleading zero.
      if (body.length === 0) continue;
      const help = family.help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
      lines.push(`# HELP ${family.name} ${help}`, `# TYPE ${family.name} ${family.type}`, ...body);
    }
    return lines.length === 0 ? "" : lines.join("\n") + "\n";
  }

  #family<F extends AnyFamily>(name: string, type: F["type"], create: () => F): F {
    if (!NAME.test(name)) throw new MetricsError(`metric name "${name}" is not valid`);
    const existing = this.#families.get(name);
    if (existing) {
      if (existing.type !== type) {
        throw new MetricsError(`metric ${name} is a ${existing.type}, not a ${type}`);
      }
      return existing as F;
    }
    const family = create();
    this.#families.set(name, family);
    return family;
  }
}
