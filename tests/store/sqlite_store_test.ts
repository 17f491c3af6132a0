import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SNAPSHOT_REFRESH_MS, SqliteStore, StoreError } from "../../src/store/mod.ts";
import type { Network, Station } from "../../src/scrape/mod.ts";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2025, 0, 29, 9, 0, 0);

function station(id: string, free: number, empty: number | null): Station {
  return {
    id,
    name: `S ${id}`,
    latitude: 1,
    longitude: 2,
    free_bikes: free,
    empty_slots: empty,
    timestamp: new Date(T0).toISOString(),
    extra: {},
  };
}

function network(stations: Station[]): Network {
  return {
    id: "x",
    tag: "x",
    name: "X",
    href: "/v2/networks/x",
    location: { city: "C", country: "ES", latitude: 1, longitude: 2 },
    company: [],
    stations,
  };
}

async function withDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "spoke-store-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("SqliteStore.save() writes only the stations whose counts changed", () => {
  using store = new SqliteStore(":memory:", { retentionDays: 30 });
  const first = network([station("a", 1, 9), station("b", 2, 8), station("c", 0, null)]);
  assert.equal(store.save("gbfs", "x", first, T0), first.stations.length);

  const second = network([station("a", 1, 9), station("b", 3, 7), station("c", 0, 1)]);
  const changed = second.stations.filter((now, i) =>
    now.free_bikes !== first.stations[i]!.free_bikes ||
    now.empty_slots !== first.stations[i]!.empty_slots
  );
  assert.equal(store.save("gbfs", "x", second, T0 + 60_000, first), changed.length);

  const history = store.history({ key: "gbfs::x", limit: 100 });
  const expected = [
    ...first.stations.map((s) => ({ s, at: T0 })),
    ...changed.map((s) => ({ s, at: T0 + 60_000 })),
  ].map(({ s, at }) => ({
    station: s.id,
    at,
    free_bikes: s.free_bikes,
    empty_slots: s.empty_slots,
  }));
  assert.deepEqual(history, expected);
  assert.deepEqual(store.stats(), {
    rowsWritten: expected.length,
    snapshotsWritten: 2,
    rowsPruned: 0,
  });
});

Deno.test("SqliteStore.save() skips an unchanged snapshot until it is due for a refresh", () => {
  using store = new SqliteStore(":memory:", { retentionDays: 30 });
  const same = network([station("a", 1, 9)]);
  store.save("gbfs", "x", same, T0);
  assert.equal(store.save("gbfs", "x", same, T0 + 60_000, same), 0);
  assert.equal(store.stats().snapshotsWritten, 1);
  assert.equal(store.lastStates()[0]!.updatedAt, T0);
  assert.equal(store.save("gbfs", "x", same, T0 + SNAPSHOT_REFRESH_MS, same), 0);
  assert.equal(store.stats().snapshotsWritten, 2);
  assert.equal(store.lastStates()[0]!.updatedAt, T0 + SNAPSHOT_REFRESH_MS);
  assert.equal(store.stats().rowsWritten, 1);
});

Deno.test("SqliteStore keeps the last states across a reopen of the file", async () => {
  await withDir((dir) => {
    const file = `${dir}/spoke.db`;
    const a = network([station("a", 4, 5)]);
    const b = { ...network([station("z", 0, 3)]), id: "y", tag: "y", name: "Y" };
    {
      using store = new SqliteStore(file, { retentionDays: 30 });
      store.save("gbfs", "x", network([station("a", 1, 1)]), T0);
      store.save("gbfs", "x", a, T0 + 1000, network([station("a", 1, 1)]));
      store.save("nextbike", "y", b, T0 + 2000);
    }
    using store = new SqliteStore(file, { retentionDays: 30 });
    assert.deepEqual(store.lastStates(), [
      { key: "gbfs::x", class: "gbfs", tag: "x", network: a, updatedAt: T0 + 1000 },
      { key: "nextbike::y", class: "nextbike", tag: "y", network: b, updatedAt: T0 + 2000 },
    ]);
    assert.equal(store.history({ key: "gbfs::x", limit: 10 }).length, 2);
  });
});

Deno.test("SqliteStore.history() filters by station and time, oldest first, up to the limit", () => {
  using store = new SqliteStore(":memory:", { retentionDays: 30 });
  let previous: Network | undefined;
  const points: Array<{ station: string; at: number; free_bikes: number; empty_slots: number }> =
    [];
  for (let i = 0; i < 5; i++) {
    const at = T0 + i * 60_000;
    const now = network([station("a", i, 10 - i), station("b", 7, 3)]);
    store.save("gbfs", "x", now, at, previous);
    for (const s of now.stations) {
      const before = previous?.stations.find((p) => p.id === s.id);
      if (before?.free_bikes !== s.free_bikes) {
        points.push({ station: s.id, at, free_bikes: s.free_bikes, empty_slots: s.empty_slots! });
      }
    }
    previous = now;
  }
  const since = T0 + 60_000;
  const until = T0 + 3 * 60_000;
  assert.deepEqual(
    store.history({ key: "gbfs::x", station: "a", since, until, limit: 100 }),
    points.filter((p) => p.station === "a" && p.at >= since && p.at <= until),
  );
  assert.deepEqual(store.history({ key: "gbfs::x", limit: 2 }), points.slice(0, 2));
  assert.deepEqual(store.history({ key: "gbfs::nope", limit: 2 }), []);
  for (const limit of [0, -1, 1.5, 100_001]) {
    assert.throws(() => store.history({ key: "gbfs::x", limit }), RangeError);
  }
});

Deno.test("SqliteStore.prune() drops history older than the retention", () => {
  using store = new SqliteStore(":memory:", { retentionDays: 2 });
  store.save("gbfs", "x", network([station("a", 1, 1)]), T0);
  store.save(
    "gbfs",
    "x",
    network([station("a", 2, 0)]),
    T0 + DAY_MS,
    network([station("a", 1, 1)]),
  );
  assert.equal(store.prune(T0 + 2 * DAY_MS + 1), 1);
  assert.deepEqual(store.history({ key: "gbfs::x", limit: 10 }).map((p) => p.at), [T0 + DAY_MS]);
  assert.equal(store.stats().rowsPruned, 1);
  // The last state is not history: it stays whatever its age.
  assert.equal(store.lastStates().length, 1);
});

Deno.test("SqliteStore refuses a bad file or retention with a StoreError naming the file", async () => {
  await withDir(async (dir) => {
    const missing = `${dir}/no/such/dir/spoke.db`;
    assert.throws(
      () => new SqliteStore(missing, { retentionDays: 30 }),
      (error) => error instanceof StoreError && error.message.startsWith(`store ${missing}:`),
    );
    const garbage = `${dir}/garbage.db`;
    await Deno.writeTextFile(garbage, "this is not a database, just text ".repeat(200));
    assert.throws(
      () => new SqliteStore(garbage, { retentionDays: 30 }),
      (error) => error instanceof StoreError && /cannot use it/.test(error.message),
    );
    assert.throws(() => new SqliteStore(":memory:", { retentionDays: 0 }), StoreError);
  });
});

Deno.test("SqliteStore.lastStates() skips a corrupt saved row and keeps the others", async () => {
  await withDir((dir) => {
    const file = `${dir}/spoke.db`;
    const good = network([station("a", 1, 1)]);
    {
      using store = new SqliteStore(file, { retentionDays: 30 });
      store.save("gbfs", "x", good, T0);
      store.save("gbfs", "y", { ...good, tag: "y" }, T0);
    }
    const raw = new DatabaseSync(file);
    raw.prepare("UPDATE latest SET network = '{broken' WHERE key = 'gbfs::y'").run();
    raw.close();
    using store = new SqliteStore(file, { retentionDays: 30 });
    assert.deepEqual(store.lastStates().map((state) => state.key), ["gbfs::x"]);
  });
});
