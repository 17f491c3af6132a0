import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Message, MessageProperties } from "./message.ts";
import type { InflightPublish, QueuedPublish, Subscription } from "./session.ts";
import { fromBase64, toBase64 } from "./_base64.ts";

/**
 * A persistence file that cannot be opened or read; names the file and the reason.
 *
 * @example
 * ```ts
 * import { Broker, PersistenceError } from "./mod.ts";
 *
 * try {
 *   new Broker({ persistence: "/no/such/dir/spoke.db" });
 * } catch (error) {
 *   if (error instanceof PersistenceError) console.log(error.message);
 * }
 * ```
 */
export class PersistenceError extends Error {
  /** A file the user points at is bad: the CLI exits with this code. */
  readonly exitCode = 2;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PersistenceError";
  }
}

/** A subscription as stored (its session is implied). */
export type StoredSubscription = Omit<Subscription, "session">;

/** A persistent session as stored: enough to rebuild it after a restart. */
export interface StoredSession {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly expiryIntervalSeconds: number;
  /** When its client went away (epoch ms); the expiry runs from there. */
  readonly detachedAtMs: number;
  readonly subscriptions: readonly StoredSubscription[];
  readonly inflight: readonly (InflightPublish & { packetId: number })[];
  readonly queued: readonly QueuedPublish[];
  readonly incomingQos2: readonly number[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS retained (
  topic TEXT PRIMARY KEY,
  message TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  client_id TEXT PRIMARY KEY,
  state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session_messages (
  client_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  entry TEXT NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY (client_id, seq)
);
`;

/** A message's fields besides its payload, as JSON (correlation data in base64). */
interface MessageRecord {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: Omit<MessageProperties, "correlationData"> & { correlationData?: string };
  expiresAtMs?: number;
  publisherId?: string;
}

function messageRecord(message: Message): MessageRecord {
  const record: MessageRecord = { topic: message.topic, qos: message.qos, retain: message.retain };
  if (message.properties !== undefined) {
    const { correlationData, ...rest } = message.properties;
    record.properties = correlationData === undefined
      ? rest
      : { ...rest, correlationData: toBase64(correlationData) };
  }
  if (message.expiresAtMs !== undefined) record.expiresAtMs = message.expiresAtMs;
  if (message.publisherId !== undefined) record.publisherId = message.publisherId;
  return record;
}

function messageFrom(record: MessageRecord, payload: Uint8Array): Message {
  let properties: MessageProperties | undefined;
  if (record.properties !== undefined) {
    const { correlationData, ...rest } = record.properties;
    properties = correlationData === undefined
      ? rest
      : { ...rest, correlationData: fromBase64(correlationData) };
  }
  return {
    topic: record.topic,
    payload,
    qos: record.qos,
    retain: record.retain,
    properties,
    expiresAtMs: record.expiresAtMs,
    publisherId: record.publisherId,
    encoded: undefined,
  };
}

/**
 * The broker's state on disk, in one SQLite file (node:sqlite, WAL): retained messages and
 * persistent sessions (subscriptions, in-flight and queued messages). Writes are batched by the
 * caller into one transaction per flush, so a busy broker touches an SD card about once a second,
 * not once a message; WAL with `synchronous = NORMAL` keeps the file consistent across `kill -9`
 * and power loss, losing at most the last unflushed batch.
 */
export class BrokerPersistence {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #statements: Record<
    | "putRetained"
    | "deleteRetained"
    | "putSession"
    | "deleteSession"
    | "deleteMessages"
    | "putMessage",
    StatementSync
  >;

  /** Opens (creating if needed) `path`; throws {@linkcode PersistenceError}. */
  constructor(path: string) {
    this.#path = path;
    try {
      this.#db = new DatabaseSync(path);
      this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
      this.#db.exec("PRAGMA busy_timeout = 5000;");
      this.#db.exec(SCHEMA);
      this.#statements = {
        putRetained: this.#db.prepare(
          "INSERT OR REPLACE INTO retained (topic, message, payload) VALUES (?, ?, ?)",
        ),
        deleteRetained: this.#db.prepare("DELETE FROM retained WHERE topic = ?"),
        putSession: this.#db.prepare(
          "INSERT OR REPLACE INTO sessions (client_id, state) VALUES (?, ?)",
        ),
        deleteSession: this.#db.prepare("DELETE FROM sessions WHERE client_id = ?"),
        deleteMessages: this.#db.prepare("DELETE FROM session_messages WHERE client_id = ?"),
        putMessage: this.#db.prepare(
          "INSERT INTO session_messages (client_id, seq, entry, payload) VALUES (?, ?, ?, ?)",
        ),
      };
    } catch (error) {
      throw new PersistenceError(
        `broker persistence "${path}": ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
  }

  /** Every stored retained message. */
  loadRetained(): Message[] {
    const rows = this.#db.prepare("SELECT message, payload FROM retained").all() as {
      message: string;
      payload: Uint8Array;
    }[];
    return rows.map((row) => messageFrom(JSON.parse(row.message), new Uint8Array(row.payload)));
  }

  /** Every stored session. */
  loadSessions(): StoredSession[] {
    const sessions = this.#db.prepare("SELECT client_id, state FROM sessions").all() as {
      client_id: string;
      state: string;
    }[];
    const messages = this.#db.prepare(
      "SELECT entry, payload FROM session_messages WHERE client_id = ? ORDER BY seq",
    );
    return sessions.map((row) => {
      const state = JSON.parse(row.state) as Omit<StoredSession, "inflight" | "queued">;
      const inflight: (InflightPublish & { packetId: number })[] = [];
      const queued: QueuedPublish[] = [];
      for (
        const entryRow of messages.all(row.client_id) as { entry: string; payload: Uint8Array }[]
      ) {
        const entry = JSON.parse(entryRow.entry) as {
          message: MessageRecord;
          qos: 1 | 2;
          retain: boolean;
          subscriptionIds?: number[];
          packetId?: number;
          state?: "publish" | "pubrel";
        };
        const base = {
          message: messageFrom(entry.message, new Uint8Array(entryRow.payload)),
          qos: entry.qos,
          retain: entry.retain,
          subscriptionIds: entry.subscriptionIds,
        };
        if (entry.packetId !== undefined) {
          inflight.push({ ...base, packetId: entry.packetId, state: entry.state ?? "publish" });
        } else {
          queued.push(base);
        }
      }
      return { ...state, inflight, queued };
    });
  }

  /**
   * Writes one batch in one transaction: retained topics to store (a message) or delete
   * (`undefined`), sessions to store or delete.
   */
  write(
    retained: ReadonlyMap<string, Message | undefined>,
    sessions: ReadonlyMap<string, StoredSession | undefined>,
  ): void {
    const s = this.#statements;
    this.#db.exec("BEGIN");
    try {
      for (const [topic, message] of retained) {
        if (message === undefined) s.deleteRetained.run(topic);
        else s.putRetained.run(topic, JSON.stringify(messageRecord(message)), message.payload);
      }
      for (const [clientId, session] of sessions) {
        s.deleteMessages.run(clientId);
        if (session === undefined) {
          s.deleteSession.run(clientId);
          continue;
        }
        const { inflight, queued, ...state } = session;
        s.putSession.run(clientId, JSON.stringify(state));
        let seq = 0;
        const put = (entry: QueuedPublish, extra: object) => {
          const record = {
            message: messageRecord(entry.message),
            qos: entry.qos,
            retain: entry.retain,
            subscriptionIds: entry.subscriptionIds,
            ...extra,
          };
          s.putMessage.run(clientId, seq++, JSON.stringify(record), entry.message.payload);
        };
        for (const entry of inflight) put(entry, { packetId: entry.packetId, state: entry.state });
        for (const entry of queued) put(entry, {});
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw new PersistenceError(
        `broker persistence "${this.#path}": write failed: ${
          error instanceof Error ? error.message : error
        }`,
        { cause: error },
      );
    }
  }

  close(): void {
    this.#db.close();
  }
}
