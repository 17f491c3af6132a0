import assert from "node:assert/strict";
import { createApi } from "../../src/api/mod.ts";
import { LatestStore } from "../../src/store/mod.ts";
import { network, station, zeroStats } from "./_sources.ts";

Deno.test("GET /v2/networks/:tag serves each new snapshot, never an old serialised one", async () => {
  const store = new LatestStore();
  const app = createApi({
    networks: () => store.all(),
    byTag: (tag) => store.byTag(tag),
    problems: () => [],
    stats: zeroStats,
  });
  const first = network("x", [station("s1", 3, 4)]);
  store.put("gbfs", "x", first);
  const read = async () => {
    const response = await app.request("/v2/networks/x");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    return await response.json();
  };
  assert.deepEqual(await read(), { network: first });
  assert.deepEqual(await read(), { network: first }); // the cached body, same answer
  const second = network("x", [station("s1", 9, 0), station("s2", 1, 1)]);
  store.put("gbfs", "x", second);
  assert.deepEqual(await read(), { network: second });
  // ?fields= still picks from the current snapshot.
  const picked = await (await app.request("/v2/networks/x?fields=stations")).json();
  assert.deepEqual(picked, { network: { stations: second.stations } });
});
