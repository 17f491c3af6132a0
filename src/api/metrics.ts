import type { NetworkState } from "../store/mod.ts";
import { familyNames, PrometheusText, type Sample } from "./prometheus.ts";
import type { ProcessSample, ServiceStats } from "./service_stats.ts";

interface ClassTotals {
  scrapes: number;
  failures: number;
  scrapeSeconds: number;
}

function byClass(states: readonly NetworkState[]): Map<string, ClassTotals> {
  const totals = new Map<string, ClassTotals>();
  for (const state of states) {
    const entry = totals.get(state.class) ?? { scrapes: 0, failures: 0, scrapeSeconds: 0 };
    entry.scrapes += state.scrapes;
    entry.failures += state.failures;
    entry.scrapeSeconds += (state.scrapeMsTotal ?? 0) / 1000;
    totals.set(state.class, entry);
  }
  return totals;
}

function perClass(totals: Map<string, ClassTotals>, pick: (t: ClassTotals) => number): Sample[] {
  return [...totals].map(([cls, entry]) => ({ labels: { class: cls }, value: pick(entry) }));
}

/**
 * Everything `/metrics` shows, in the Prometheus text format: scrapes,
 * failures and time spent per class, each network's last success, the queues,
 * the embedded and external brokers, the history store, and this process.
 */
export function renderMetrics(
  stats: ServiceStats,
  states: readonly NetworkState[],
  proc: ProcessSample,
  /** The engine's own registry text; families it has are left to it, and it is appended. */
  engineText = "",
): string {
  const text = new PrometheusText(familyNames(engineText));
  const totals = byClass(states);
  text
    .add("spoke_networks", "gauge", "Networks with a schedule.", { value: stats.networks })
    .add("spoke_networks_paused", "gauge", "Networks paused by an admin.", { value: stats.paused })
    .add("spoke_published_total", "counter", "Snapshots published.", { value: stats.published })
    .add(
      "spoke_skipped_total",
      "counter",
      "Runs skipped because the previous run was still queued or running.",
      { value: stats.skipped },
    )
    .add(
      "spoke_scrapes_total",
      "counter",
      "Scrapes run, by class.",
      perClass(totals, (t) => t.scrapes),
    )
    .add(
      "spoke_scrape_failures_total",
      "counter",
      "Scrapes that failed, by class.",
      perClass(totals, (t) => t.failures),
    )
    .add(
      "spoke_scrape_seconds_total",
      "counter",
      "Time spent scraping, by class; divide by spoke_scrapes_total for the mean duration.",
      perClass(totals, (t) => t.scrapeSeconds),
    )
    .add(
      "spoke_network_last_success_timestamp_seconds",
      "gauge",
      "When each network last gave a good snapshot.",
      states.flatMap((state) =>
        state.updatedAt === undefined
          ? []
          : [{ labels: { network: state.key }, value: state.updatedAt / 1000 }]
      ),
    )
    .add(
      "spoke_network_failing",
      "gauge",
      "1 when a network's last scrape failed.",
      states.map((state) => ({ labels: { network: state.key }, value: state.lastError ? 1 : 0 })),
    );

  const queue = (pick: (q: ServiceStats["queues"][number]) => number): Sample[] =>
    stats.queues.map((q) => ({ labels: { queue: q.name }, value: pick(q) }));
  text
    .add("spoke_queue_workers", "gauge", "Workers of each queue.", queue((q) => q.workers))
    .add("spoke_queue_depth", "gauge", "Tasks waiting in each queue.", queue((q) => q.depth))
    .add("spoke_queue_running", "gauge", "Tasks running in each queue.", queue((q) => q.running))
    .add(
      "spoke_queue_completed_total",
      "counter",
      "Tasks that finished well.",
      queue((q) => q.completed),
    )
    .add("spoke_queue_failed_total", "counter", "Tasks that failed.", queue((q) => q.failed))
    .add(
      "spoke_queue_duplicates_total",
      "counter",
      "Pushes refused because the same key was queued or running.",
      queue((q) => q.duplicates),
    )
    .add(
      "spoke_queue_wait_seconds_total",
      "counter",
      "Time tasks spent waiting for a worker.",
      queue((q) => q.waitMsTotal / 1000),
    );

  const broker = stats.broker;
  if (broker) {
    for (const [name, type, help, value] of brokerFamilies(broker)) {
      text.add(name, type, help, { value });
    }
  }

  const external = stats.external;
  if (external) {
    text
      .add("spoke_external_broker_up", "gauge", "1 while connected to the external broker.", {
        value: external.connected ? 1 : 0,
      })
      .add("spoke_external_published_total", "counter", "Messages the external broker took.", {
        value: external.published,
      })
      .add("spoke_external_pending", "gauge", "Networks waiting for the external broker.", {
        value: external.pending,
      })
      .add(
        "spoke_external_dropped_total",
        "counter",
        "Pending states pushed out by the bound.",
        { value: external.dropped },
      )
      .add("spoke_external_reconnects_total", "counter", "Connection attempts after a loss.", {
        value: external.reconnects,
      });
  }

  const history = stats.history;
  if (history) {
    text
      .add("spoke_history_rows_written_total", "counter", "Station-count rows written.", {
        value: history.rowsWritten,
      })
      .add("spoke_history_snapshots_written_total", "counter", "Last states saved.", {
        value: history.snapshotsWritten,
      })
      .add("spoke_history_rows_pruned_total", "counter", "Rows removed by retention.", {
        value: history.rowsPruned,
      });
  }

  text
    .add("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", {
      value: proc.rssBytes,
    })
    .add("process_heap_used_bytes", "gauge", "JavaScript heap in use, in bytes.", {
      value: proc.heapUsedBytes,
    })
    .add("process_cpu_seconds_total", "counter", "User and system CPU time spent.", {
      value: proc.cpuUserSeconds + proc.cpuSystemSeconds,
    })
    .add("process_start_time_seconds", "gauge", "Start time since the epoch, in seconds.", {
      value: proc.startTimeSeconds,
    })
    .add("spoke_uptime_seconds", "gauge", "Seconds since Spoke started.", { value: stats.uptimeS })
    .add("spoke_build_info", "gauge", "Always 1; the version is the label.", {
      labels: { version: stats.version },
      value: 1,
    });
  const own = text.toString();
  if (engineText === "") return own;
  return own + (engineText.endsWith("\n") ? engineText : `${engineText}\n`);
}

/** The broker's counters as Prometheus families: one row each, in the order they are served. */
function brokerFamilies(
  broker: NonNullable<ServiceStats["broker"]>,
): Array<[string, "gauge" | "counter", string, number]> {
  return [
    ["spoke_broker_clients", "gauge", "MQTT clients connected.", broker.clientsConnected],
    [
      "spoke_broker_clients_total",
      "counter",
      "MQTT clients accepted since start.",
      broker.clientsTotal,
    ],
    [
      "spoke_broker_messages_received_total",
      "counter",
      "Application messages in.",
      broker.messagesIn,
    ],
    [
      "spoke_broker_messages_sent_total",
      "counter",
      "PUBLISH packets sent to clients.",
      broker.messagesOut,
    ],
    ["spoke_broker_bytes_received_total", "counter", "Bytes read from clients.", broker.bytesIn],
    ["spoke_broker_bytes_sent_total", "counter", "Bytes written to clients.", broker.bytesOut],
    ["spoke_broker_retained", "gauge", "Topics holding a retained message.", broker.retained],
    ["spoke_broker_subscriptions", "gauge", "Subscriptions held.", broker.subscriptions],
    ["spoke_broker_dropped_total", "counter", "Messages not delivered on purpose.", broker.dropped],
    [
      "spoke_broker_protocol_errors_total",
      "counter",
      "Connections closed for bad packets.",
      broker.protocolErrors,
    ],
  ];
}
