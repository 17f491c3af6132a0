/**
 * Scheduling: one Croner job per network (interval or cron pattern, jitter,
 * a first run at start). It says when a key is due and nothing else.
 *
 * @example
 * ```ts
 * import { Scheduler } from "./mod.ts";
 * const scheduler = new Scheduler((key) => console.log(key, "is due"));
 * scheduler.add("gbfs::my-city", { interval: 60, jitter: 5, runAtStart: false });
 * scheduler.stop();
 * ```
 * @module
 */
export { Scheduler } from "./scheduler.ts";
export type { JobPlan } from "./scheduler.ts";
