import assert from "node:assert/strict";
import { createApi, MAX_BODY_BYTES } from "../../src/api/mod.ts";
import { network, sources } from "./_sources.ts";

function api() {
  const made = sources();
  return { ...made, app: createApi(made.sources) };
}

Deno.test("GET /v2/networks lists networks with a snapshot, without their stations", async () => {
  const response = await api().app.request("/v2/networks");
  assert.equal(response.status, 200);
  const { stations: _, ...summary } = network("x");
  assert.deepEqual(await response.json(), { networks: [summary] });
});

Deno.test("GET /v2/networks?fields= keeps only the named fields, in the network's order", async () => {
  const { app } = api();
  const response = await app.request("/v2/networks?fields=name,id,%20href");
  assert.equal(response.status, 200);
  const full = network("x");
  assert.deepEqual(await response.json(), {
    networks: [{ id: full.id, name: full.name, href: full.href }],
  });
});

Deno.test("GET /v2/networks/:tag?fields=stations serves only the stations", async () => {
  const { app } = api();
  const response = await app.request("/v2/networks/x?fields=stations");
  assert.deepEqual(await response.json(), { network: { stations: network("x").stations } });
});

Deno.test("?fields= with an unknown or empty field is a JSON 400 naming it", async () => {
  const { app } = api();
  for (
    const [path, needle] of [
      ["/v2/networks?fields=id,bogus", 'unknown field "bogus"'],
      ["/v2/networks?fields=stations", 'unknown field "stations"'],
      ["/v2/networks?fields=", "comma-separated"],
      ["/v2/networks?fields=id,,name", "comma-separated"],
      ["/v2/networks/x?fields=nope", 'unknown field "nope"'],
    ] as const
  ) {
    const response = await app.request(path);
    assert.equal(response.status, 400, path);
    assert.match((await response.json()).error, new RegExp(needle), path);
  }
});

Deno.test("GET /v2/networks/:tag serves the network object; an unknown tag is a JSON 404", async () => {
  const { app } = api();
  assert.deepEqual(await (await app.request("/v2/networks/x")).json(), { network: network("x") });
  for (const tag of ["nope", "broken"]) {
    const response = await app.request(`/v2/networks/${tag}`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: `no network with tag "${tag}"` });
  }
});

Deno.test("GET /v2/networks/:tag without byTag finds the network by scanning", async () => {
  const made = sources();
  const app = createApi({ ...made.sources, byTag: undefined });
  assert.deepEqual(await (await app.request("/v2/networks/x")).json(), { network: network("x") });
});

Deno.test("GET /health is 200 without problems and 503 naming them otherwise", async () => {
  const { app, problems } = api();
  assert.equal((await app.request("/health")).status, 200);
  problems.push("gbfs::broken: HTTP 500");
  const response = await app.request("/health");
  assert.equal(response.status, 503);
  assert.deepEqual(await response.json(), { ok: false, problems });
});

Deno.test("GET /stats is the service stats plus the process sample", async () => {
  const made = sources();
  const app = createApi(made.sources);
  const body = await (await app.request("/stats")).json();
  assert.deepEqual(body, { ...made.sources.stats(), process: made.sources.processSample!() });
});

Deno.test("unknown routes and methods get a JSON 404", async () => {
  const { app } = api();
  for (const [method, path] of [["GET", "/nope"], ["POST", "/v2/networks"]] as const) {
    const response = await app.request(path, { method });
    assert.equal(response.status, 404);
    assert.equal((await response.json()).error, `no route for ${method} ${path}`);
  }
});

Deno.test("a body over the limit is a JSON 413, whatever the route", async () => {
  const { app } = api();
  const body = "x".repeat(MAX_BODY_BYTES + 1);
  for (const path of ["/v2/networks", "/nope"]) {
    const response = await app.request(path, { method: "POST", body });
    assert.equal(response.status, 413, path);
    assert.match((await response.json()).error, new RegExp(`over ${MAX_BODY_BYTES} bytes`));
  }
});

Deno.test("an error inside a route is a JSON 500 that hides the cause", async () => {
  const made = sources();
  const app = createApi({
    ...made.sources,
    stats: () => {
      throw new Error("secret detail");
    },
  });
  const response = await app.request("/stats");
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), { error: "internal error" });
});
