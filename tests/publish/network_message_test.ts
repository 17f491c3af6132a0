import assert from "node:assert/strict";
import { networkMessage, networkTopic } from "../../src/publish/mod.ts";
import type { Network } from "../../src/scrape/mod.ts";

const network: Network = {
  id: "My-City",
  tag: "My-City",
  name: "My City",
  href: "/v2/networks/My-City",
  location: { city: "Madrid", country: "ES", latitude: 40.41, longitude: -3.7 },
  company: ["Someone"],
  stations: [],
};

Deno.test("networkTopic() is network/<class>/<tag>/update in lower case", () => {
  assert.equal(networkTopic("GBFS", "Citi-Bike-NYC"), "network/gbfs/citi-bike-nyc/update");
});

Deno.test("networkMessage() is retained JSON with a content type and an expiry", () => {
  const message = networkMessage("gbfs", network, { staleAfterS: 180.4 });
  assert.equal(message.topic, "network/gbfs/my-city/update");
  assert.equal(message.retain, true);
  assert.equal(message.qos, 1);
  assert.deepEqual(JSON.parse(message.payload as string), network);
  assert.equal(message.properties?.contentType, "application/json");
  assert.equal(message.properties?.payloadFormatIndicator, true);
  assert.equal(message.properties?.messageExpiryInterval, 180);
});

Deno.test("networkMessage() never sends an expiry of 0, which MQTT reads as 'never'", () => {
  const message = networkMessage("gbfs", network, { staleAfterS: 0.2 });
  assert.equal(message.properties?.messageExpiryInterval, 1);
});
