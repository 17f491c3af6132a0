/**
 * The end-to-end set-up shared by the MQTT.js and mosquitto tests: a real feed
 * server with two recorded systems and one broken network, and `spoke run`
 * scraping them.
 */
import { type FeedServer, startFeedServer } from "../scrape/_feed_server.ts";
import { type SpokeProcess, startSpoke } from "../_support/spoke_process.ts";

export const GOOD_SETS = {
  "e2e-divvy": "gbfs-v2.3-divvy-chicago",
  "e2e-v30": "gbfs-v3.0-schema-testfixtures",
} as const;

export const BAD_TAG = "e2e-broken";

export function topicOf(tag: string): string {
  return `network/gbfs/${tag}/update`;
}

export interface Pipeline extends AsyncDisposable {
  feeds: FeedServer;
  spoke: SpokeProcess;
}

/** Starts the feed server and Spoke; waits until the broken network has failed once. */
export async function startPipeline(): Promise<Pipeline> {
  const feeds = startFeedServer();
  const divvy = GOOD_SETS["e2e-divvy"];
  // The broken network: Divvy's real info files, but a station_status that is garbage.
  feeds.overrides["broken/station_status.json"] = { body: "<html>oops" };
  feeds.overrides["broken/gbfs.json"] = {
    json: {
      version: "2.3",
      last_updated: 0,
      ttl: 0,
      data: {
        en: {
          feeds: ["system_information", "station_information", "station_status"].map((name) => ({
            name,
            url: name === "station_status"
              ? feeds.url("broken", "station_status.json")
              : feeds.url(divvy, `${name}.json`),
          })),
        },
      },
    },
  };
  const networks = Object.entries(GOOD_SETS).map(([tag, set]) => network(tag, feeds.url(set)))
    .concat(network(BAD_TAG, feeds.url("broken")));
  const spoke = await startSpoke(`
[log]
level = "info"
[mqtt]
port = 0
host = "127.0.0.1"
[http]
port = 0
host = "127.0.0.1"
[catalog]
builtin = false
[[rules]]
match = ".*"
interval = 3600
jitter = 0
${networks.join("\n")}
`);
  await spoke.waitForLine(new RegExp(`scrape gbfs::${BAD_TAG} failed`));
  const close = async () => {
    await spoke.stop();
    await feeds.close();
  };
  return { feeds, spoke, [Symbol.asyncDispose]: close };
}

function network(tag: string, url: string): string {
  return `[[networks]]
class = "gbfs"
tag = "${tag}"
name = "${tag}"
url = "${url}"
location = { city = "Test", country = "ES", latitude = 40.4, longitude = -3.7 }
`;
}
