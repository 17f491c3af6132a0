import assert from "node:assert/strict";
import { redactSecrets } from "../../src/api/mod.ts";

Deno.test("redactSecrets() hides secret keys and URL passwords and keeps the rest", () => {
  const input = {
    http: { admin_token: "abc", port: 8080 },
    publish: { broker: "mqtts://user:p%40ss@host:8883/x", client_id: "c" },
    list: [{ password: "pw" }, "mqtt://host:1883"],
    empty: { admin_token: "" },
  };
  const output = redactSecrets(input);
  assert.deepEqual(output, {
    http: { admin_token: "[redacted]", port: 8080 },
    publish: { broker: "mqtts://user:[redacted]@host:8883/x", client_id: "c" },
    list: [{ password: "[redacted]" }, "mqtt://host:1883"],
    empty: { admin_token: "" },
  });
  // A copy: the input is untouched.
  assert.equal(input.http.admin_token, "abc");
});
