/**
 * Spoke: bike-share feeds scraped on schedule and published, retained, on
 * `network/<class>/<tag>/update` from an embedded MQTT broker.
 *
 * As a library it exports the pieces that stand on their own: the broker,
 * the queue engine, the scheduler, the scrapers and the config loader. Run
 * as a program it is the `spoke` command line.
 *
 * @example
 * ```ts
 * import { Broker } from "./mod.ts";
 * const broker = new Broker({ port: 0 });
 * await broker.listen();
 * broker.publish({ topic: "hello", payload: "world", retain: true });
 * await broker.close();
 * ```
 * @module
 */
export * from "./src/broker/mod.ts";
export * from "./src/queue/mod.ts";
export * from "./src/schedule/mod.ts";
export * from "./src/scrape/mod.ts";
export * from "./src/config/mod.ts";
export * from "./src/catalog/mod.ts";
export * from "./src/publish/mod.ts";
export * from "./src/store/mod.ts";
export * from "./src/api/mod.ts";
export { Spoke } from "./src/spoke.ts";
export type { SpokeOptions } from "./src/spoke.ts";
export { VERSION } from "./src/version.ts";
export { main } from "./src/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await (await import("./src/cli/main.ts")).main(Deno.args));
}
