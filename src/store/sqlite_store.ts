import { DatabaseSync, type StatementSync } from "node:sqlite";
import { getLogger } from "@logtape/logtape";
import type { Network, Station } from "../scrape/mod.ts";
import { StoreError } from "./store_error.ts";

const log = getLogger(["spoke", "store"]);

const DAY_MS = 86_400_000;
/** Retention runs at most this often, from inside a save: no timer to leak or to wake a Pi. */
const PRUNE_EVERY_MS = 3_600_000;
/**
 * A network's whole snapshot is rewritten when its counts changed, and
 * otherwise only this often: an SD card should not take a full copy of every
 * network every minute when nothing moved.
 */
export const SNAPSHOT_REFRESH_MS = 600_000;
/** The most rows one history query returns. */
export const MAX_HISTORY_ROWS = 100_000;

const SCHEMA_VERSION = "1";
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS latest (
    key TEXT PRIMARY KEY,
    class TEXT NOT NULL,
    tag TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    network TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS station_counts (
    network TEXT NOT NULL,
    station TEXT NOT NULL,
    at INTEGER NOT NULL,
    free_bikes INTEGER NOT NULL,
    empty_slots INTEGER,
    PRIMARY KEY (network, station, at)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS station_counts_by_time ON station_counts (at);
`;

/** A network's last state as saved before a restart. */
export interface SavedState {
  key: string;
  class: string;
  tag: string;
  network: Network;
  /** ms since the epoch */
  updatedAt: number;
}

/** Which rows of one network's history to read. Times in ms since the epoch, both ends included. */
export interface HistoryQuery {
  /** `<class>::<tag>` */
  key: string;
  station?: string;
  since?: number;
  until?: number;
  /** At most this many rows (1..{@link MAX_HISTORY_ROWS}), oldest first. */
  limit: number;
}

/** One change of a station's counts. */
export interface HistoryPoint {
  station: string;
  /** ms since the epoch: the scrape that saw the change. */
  at: number;
  "free_bikes": number;
  "empty_slots": number | null;
}

/** Counters of the store since it was opened. */
export interface SqliteStoreStats {
  rowsWritten: number;
  snapshotsWritten: number;
  rowsPruned: number;
}

interface Statements {
  upsertLatest: StatementSync;
  insertCount: StatementSync;
  selectLatest: StatementSync;
  prune: StatementSync;
}

function countsOf(station: Pick<Station, "free_bikes" | "empty_slots">): string {
  return `${station.free_bikes}/${station.empty_slots}`;
}

/**
 * Persistence in one SQLite file (node:sqlite, WAL): each network's last
 * snapshot, so a restart serves and republishes it at once, and a time series
 * of station counts holding only the changes, kept `retentionDays`.
 */
export class SqliteStore {
  readonly file: string;
  readonly retentionMs: number;
  #db: DatabaseSync;
  #statements: Statements;
  #savedAt = new Map<string, number>();
  #lastPruneAt = 0;
  #stats: SqliteStoreStats = { rowsWritten: 0, snapshotsWritten: 0, rowsPruned: 0 };

  /** Opens (and creates) the file. @throws {StoreError} naming the file and the reason. */
  constructor(file: string, options: { retentionDays: number }) {
    if (!(options.retentionDays > 0)) {
      throw new StoreError(file, `retention_days must be > 0, got ${options.retentionDays}`);
    }
    this.file = file;
    this.retentionMs = options.retentionDays * DAY_MS;
    try {
      this.#db = new DatabaseSync(file);
    } catch (error) {
      throw new StoreError(file, `cannot open: ${reason(error)}`, { cause: error });
    }
    try {
      // WAL with synchronous=NORMAL: a committed save survives a crash of the process.
      this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
      this.#db.exec("PRAGMA busy_timeout = 5000;");
      this.#db.exec(SCHEMA);
      const version = this.#db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as
        | { value: string }
        | undefined;
      if (version === undefined) {
        this.#db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
      } else if (version.value !== SCHEMA_VERSION) {
        throw new Error(`schema version ${version.value}, this Spoke reads ${SCHEMA_VERSION}`);
      }
      this.#statements = {
        upsertLatest: this.#db.prepare(
          `INSERT INTO latest (key, class, tag, updated_at, network) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at, network = excluded.network`,
        ),
        insertCount: this.#db.prepare(
          `INSERT OR REPLACE INTO station_counts (network, station, at, free_bikes, empty_slots)
           VALUES (?, ?, ?, ?, ?)`,
        ),
        selectLatest: this.#db.prepare(
          "SELECT key, class, tag, updated_at, network FROM latest ORDER BY key",
        ),
        prune: this.#db.prepare("DELETE FROM station_counts WHERE at < ?"),
      };
    } catch (error) {
      this.#db.close();
      throw new StoreError(file, `cannot use it as Spoke's store: ${reason(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * Saves a fresh snapshot: a row for each station whose counts differ from
   * `previous` (every station when there is none), and the whole snapshot when
   * something changed or the saved one is older than {@link SNAPSHOT_REFRESH_MS}.
   * One transaction: after a crash either all of it is there or none.
   * Returns the number of station rows written.
   */
  save(
    cls: string,
    tag: string,
    network: Network,
    at: number,
    previous?: Network,
  ): number {
    const key = `${cls}::${tag}`;
    const before = new Map<string, string>();
    for (const station of previous?.stations ?? []) before.set(station.id, countsOf(station));
    const changed = network.stations.filter((station) =>
      before.get(station.id) !== countsOf(station)
    );
    const savedAt = this.#savedAt.get(key);
    const snapshotDue = changed.length > 0 || previous === undefined || savedAt === undefined ||
      at - savedAt >= SNAPSHOT_REFRESH_MS ||
      network.stations.length !== previous.stations.length;
    if (!snapshotDue) return 0;
    const { upsertLatest, insertCount } = this.#statements;
    try {
      this.#db.exec("BEGIN");
      try {
        for (const station of changed) {
          insertCount.run(key, station.id, at, station.free_bikes, station.empty_slots);
        }
        upsertLatest.run(key, cls, tag, at, JSON.stringify(network));
        this.#db.exec("COMMIT");
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
    } catch (error) {
      throw new StoreError(this.file, `cannot save ${key}: ${reason(error)}`, { cause: error });
    }
    this.#savedAt.set(key, at);
    this.#stats.rowsWritten += changed.length;
    this.#stats.snapshotsWritten++;
    if (at - this.#lastPruneAt >= PRUNE_EVERY_MS) this.prune(at);
    return changed.length;
  }

  /** Every network's last saved state; unreadable rows are logged and skipped. */
  lastStates(): SavedState[] {
    const rows = this.#statements.selectLatest.all() as Array<
      { key: string; class: string; tag: string; updated_at: number; network: string }
    >;
    const states: SavedState[] = [];
    for (const row of rows) {
      try {
        const network = JSON.parse(row.network) as Network;
        if (!Array.isArray(network?.stations)) throw new Error("no stations array");
        states.push({
          key: row.key,
          class: row.class,
          tag: row.tag,
          network,
          updatedAt: Number(row.updated_at),
        });
        this.#savedAt.set(row.key, Number(row.updated_at));
      } catch (error) {
        log.warning("store {file}: skipping the saved state of {key}: {reason}", {
          file: this.file,
          key: row.key,
          reason: reason(error),
        });
      }
    }
    return states;
  }

  /** The changes of one network's station counts, oldest first. */
  history(query: HistoryQuery): HistoryPoint[] {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_HISTORY_ROWS) {
      throw new RangeError(`limit must be an integer 1..${MAX_HISTORY_ROWS}, got ${query.limit}`);
    }
    const clauses = ["network = ?", "at >= ?", "at <= ?"];
    const values: Array<string | number> = [
      query.key,
      query.since ?? 0,
      query.until ?? Number.MAX_SAFE_INTEGER,
    ];
    if (query.station !== undefined) {
      clauses.push("station = ?");
      values.push(query.station);
    }
    const rows = this.#db.prepare(
      `SELECT station, at, free_bikes, empty_slots FROM station_counts
       WHERE ${clauses.join(" AND ")} ORDER BY at, station LIMIT ?`,
    ).all(...values, query.limit) as Array<
      { station: string; at: number; free_bikes: number; empty_slots: number | null }
    >;
    return rows.map((row) => ({
      station: row.station,
      at: Number(row.at),
      free_bikes: Number(row.free_bikes),
      empty_slots: row.empty_slots === null ? null : Number(row.empty_slots),
    }));
  }

  /** Drops history older than the retention; returns the rows removed. */
  prune(now = Date.now()): number {
    this.#lastPruneAt = now;
    const result = this.#statements.prune.run(now - this.retentionMs);
    const removed = Number(result.changes);
    this.#stats.rowsPruned += removed;
    if (removed > 0) log.debug("store {file}: pruned {removed} rows", { file: this.file, removed });
    return removed;
  }

  stats(): SqliteStoreStats {
    return { ...this.#stats };
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
