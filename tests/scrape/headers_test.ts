import assert from "node:assert/strict";
import { expandHeaders, HeaderError } from "../../src/scrape/mod.ts";

const env: Record<string, string> = { CITY_KEY: "s3cret", USER: "me" };
const lookup = (name: string) => env[name];

Deno.test("expandHeaders() replaces ${NAME} from the environment", () => {
  assert.deepEqual(
    expandHeaders(
      { "X-Api-Key": "${CITY_KEY}", Authorization: "Basic ${USER}:${CITY_KEY}" },
      lookup,
    ),
    { "X-Api-Key": "s3cret", Authorization: "Basic me:s3cret" },
  );
});

Deno.test("expandHeaders() keeps $${ as a literal ${ and leaves plain values alone", () => {
  assert.deepEqual(expandHeaders({ "X-A": "$${CITY_KEY}", "X-B": "plain $x" }, lookup), {
    "X-A": "${CITY_KEY}",
    "X-B": "plain $x",
  });
});

Deno.test("expandHeaders() reads Deno.env by default", () => {
  Deno.env.set("SPOKE_TEST_HEADER_KEY", "from-env");
  try {
    assert.deepEqual(expandHeaders({ "X-Key": "${SPOKE_TEST_HEADER_KEY}" }), {
      "X-Key": "from-env",
    });
  } finally {
    Deno.env.delete("SPOKE_TEST_HEADER_KEY");
  }
});

Deno.test("expandHeaders() names the header and the variable that is not set, never a value", () => {
  assert.throws(
    () => expandHeaders({ "X-Api-Key": "${MISSING_KEY}", "X-Ok": "${CITY_KEY}" }, lookup),
    (error: unknown) => {
      assert.ok(error instanceof HeaderError);
      assert.equal(error.header, "X-Api-Key");
      assert.equal(error.message, "header X-Api-Key: environment variable MISSING_KEY is not set");
      return true;
    },
  );
});

Deno.test("expandHeaders() refuses a value that would inject a header (line break after expansion)", () => {
  env.EVIL = "x\r\nHost: evil.example";
  try {
    assert.throws(() => expandHeaders({ "X-Key": "${EVIL}" }, lookup), (error: unknown) => {
      assert.ok(error instanceof HeaderError);
      assert.doesNotMatch(error.message, /evil/);
      return true;
    });
  } finally {
    delete env.EVIL;
  }
});

Deno.test("expandHeaders() refuses a header name that is not an HTTP token", () => {
  assert.throws(
    () => expandHeaders({ "X Key": "v" }, lookup),
    /header X Key: is not a valid header name/,
  );
  assert.throws(() => expandHeaders({ "": "v" }, lookup), HeaderError);
});
