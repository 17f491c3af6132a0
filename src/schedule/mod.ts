/**
 * Scheduling: one timer over a heap of due times for every network (interval
 * or Croner cron pattern, jitter drawn into each due time, a first run at
 * start). It says when a key is due, and how late the call is, and nothing else.
 * Given a kernel sleep (`openKernelSleep()`, glibc through FFI) it starts runs
 * within a few tenths of a millisecond of their due time; without, when
 * Deno's millisecond timer fires.
 *
 * @example
 * ```ts
 * import { Scheduler } from "./mod.ts";
 * const scheduler = new Scheduler((key, dueAt, lateMs) => console.log(key, dueAt, lateMs));
 * scheduler.add("gbfs::my-city", { interval: 60, jitter: 5, runAtStart: false });
 * scheduler.pause("gbfs::my-city");
 * scheduler.resume("gbfs::my-city");
 * scheduler.stop();
 * ```
 * @module
 */
export { Scheduler } from "./scheduler.ts";
export { openKernelSleep } from "./kernel_sleep.ts";
export type { KernelSleep } from "./kernel_sleep.ts";
export type { JobPlan, OnDue, SchedulerOptions } from "./scheduler.ts";
