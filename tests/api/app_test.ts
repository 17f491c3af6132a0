import assert from "node:assert/strict";
import { createApi } from "../../src/api/mod.ts";
import { LatestStore } from "../../src/store/mod.ts";
import type { Network } from "../../src/scrape/mod.ts";

const network: Network = {
  id: "x",
  tag: "x",
  name: "X",
  href: "/v2/networks/x",
  location: { city: "C", country: "ES", latitude: 1, longitude: 2 },
  company: ["Co"],
  stations: [{
    id: "s1",
    name: "S1",
    latitude: 1,
    longitude: 2,
    free_bikes: 3,
    empty_slots: 4,
    timestamp: "2025-01-29T09:47:38Z",
    extra: {},
  }],
};

function api() {
  const store = new LatestStore();
  store.put("gbfs", "x", network);
  store.fail("gbfs", "broken", "feed http://h/gbfs.json: HTTP 500");
  const problems: string[] = [];
  return {
    problems,
    app: createApi({
      networks: () => store.all(),
      problems: () => problems,
      stats: () => ({ n: 1 }),
    }),
  };
}

Deno.test("GET /v2/networks lists networks with a snapshot, without their stations", async () => {
  const response = await api().app.request("/v2/networks");
  assert.equal(response.status, 200);
  const { stations: _, ...summary } = network;
  assert.deepEqual(await response.json(), { networks: [summary] });
});

Deno.test("GET /v2/networks/:tag serves the network object; an unknown tag is a JSON 404", async () => {
  const { app } = api();
  assert.deepEqual(await (await app.request("/v2/networks/x")).json(), { network });
  for (const tag of ["nope", "broken"]) {
    const response = await app.request(`/v2/networks/${tag}`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: `no network with tag "${tag}"` });
  }
});

Deno.test("GET /health is 200 without problems and 503 naming them otherwise", async () => {
  const { app, problems } = api();
  assert.equal((await app.request("/health")).status, 200);
  problems.push("gbfs::broken: HTTP 500");
  const response = await app.request("/health");
  assert.equal(response.status, 503);
  assert.deepEqual(await response.json(), { ok: false, problems });
});

Deno.test("unknown routes and methods get a JSON 404", async () => {
  const { app } = api();
  for (const [method, path] of [["GET", "/nope"], ["POST", "/v2/networks"]] as const) {
    const response = await app.request(path, { method });
    assert.equal(response.status, 404);
    assert.equal((await response.json()).error, `no route for ${method} ${path}`);
  }
});
