import process from "node:process";
import type { BrokerStats } from "../broker/mod.ts";
import type { QueueStats } from "../queue/mod.ts";

/** The external broker's counters, as `/stats` and `/metrics` show them. */
export interface ExternalBrokerSample {
  /** The broker URL without its password. */
  url: string;
  connected: boolean;
  published: number;
  /** Networks waiting for the connection to come back (latest state each). */
  pending: number;
  /** Pending states pushed out because the bound was reached. */
  dropped: number;
  reconnects: number;
}

/** The SQLite history's counters. */
export interface HistorySample {
  /** Rows written to the station-count series since start. */
  rowsWritten: number;
  /** Snapshots saved as a network's last state since start. */
  snapshotsWritten: number;
  /** Rows removed by retention since start. */
  rowsPruned: number;
}

/** What a running Spoke reports about itself: the body of `/stats`, the source of `/metrics`. */
export interface ServiceStats {
  version: string;
  uptimeS: number;
  /** Networks with a schedule (enabled and in this shard). */
  networks: number;
  /** Networks whose schedule is paused by an admin. */
  paused: number;
  /** Snapshots handed to the publisher. */
  published: number;
  scrapes: number;
  failures: number;
  /** Runs skipped because the previous run of the same network was still queued or running. */
  skipped: number;
  queues: QueueStats[];
  broker?: BrokerStats;
  external?: ExternalBrokerSample;
  history?: HistorySample;
  /**
   * The shared feed cache: documents held, their decoded body bytes, and the
   * 200s whose body was byte-identical to the one held (read once, reused).
   */
  feedCache?: { entries: number; bytes: number; identical: number };
}

/** This process's memory and CPU, read when asked. */
export interface ProcessSample {
  rssBytes: number;
  heapUsedBytes: number;
  /** The V8 heap reserved, used or not: what RSS holds for JavaScript. */
  heapTotalBytes: number;
  /** Memory outside the V8 heap held by JavaScript objects (buffers, strings handed to Rust). */
  externalBytes: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  /** Seconds since the epoch when the process started. */
  startTimeSeconds: number;
}

/** Reads this process's RSS and CPU time. */
export function processSample(): ProcessSample {
  const memory = Deno.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    startTimeSeconds: Math.round((Date.now() / 1000 - process.uptime()) * 1000) / 1000,
  };
}
