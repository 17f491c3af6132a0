/**
 * The scrape tests that fetch over HTTP, run again with Spoke's own client in
 * every context, as `spoke run` scrapes: the same answers, the same
 * FeedErrors. (Each test file runs in an isolate of its own, so the client
 * set here is seen by these imports only.) It keeps no idle connection: the
 * resource sanitizer checks every test, and the feed servers close after each.
 */
import assert from "node:assert/strict";
import { HttpClient } from "../../src/scrape/mod.ts";
import { useHttpClient } from "./_assertions.ts";

const client = new HttpClient({ maxIdlePerOrigin: 0 });
useHttpClient(client);

await import("./http_test.ts");
await import("./conditional_get_test.ts");
await import("./gbfs_test.ts");
await import("./gbfs_v1_test.ts");
await import("./gbfs_vehicles_test.ts");
await import("./gbfs_bad_feed_test.ts");
await import("./gbfs_checks_test.ts");
await import("./nextbike_test.ts");
await import("./nextbike_bad_feed_test.ts");
await import("../catalog/builtin_location_test.ts");

Deno.test("the scrape tests above went through the HttpClient", () => {
  assert.ok(client.connectionsMade > 100, `${client.connectionsMade} connections`);
  client.close();
});
