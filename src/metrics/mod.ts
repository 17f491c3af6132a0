/**
 * Metrics: one {@link MetricsRegistry} of counters, gauges and histograms per
 * process, rendered in the Prometheus text format. The queue engine records
 * into it; serving exposes `render()` on `/metrics`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MetricsRegistry } from "./mod.ts";
 *
 * const metrics = new MetricsRegistry();
 * const retries = metrics.counter("spoke_queue_retries_total", "Retries scheduled.");
 * retries.labels({ queue: "default" }).inc();
 * metrics.histogram("spoke_task_duration_seconds", "Task run time.").observe(0.2);
 * assert.match(metrics.render(), /spoke_queue_retries_total\{queue="default"\} 1/);
 * ```
 * @module
 */
export {
  Counter,
  CounterSeries,
  DEFAULT_BUCKETS,
  Gauge,
  type GaugeSample,
  GaugeSeries,
  Histogram,
  HistogramSeries,
  type Labels,
  METRICS_CONTENT_TYPE,
  MetricsError,
  MetricsRegistry,
} from "./registry.ts";
