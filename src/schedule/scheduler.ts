import { getLogger } from "@logtape/logtape";
import { Cron } from "croner";
import type { Histogram, MetricsRegistry } from "../metrics/mod.ts";
import { DueHeap } from "./_due_heap.ts";
import type { KernelSleep } from "./kernel_sleep.ts";
import { TimerLead } from "./_timer_lead.ts";

const log = getLogger(["spoke", "schedule"]);

/**
 * The longest one timer waits. A suspended device (or a wall clock set
 * forward) then fires what is due within this long of waking, as croner caps
 * its own timers at 30 s for the same reason.
 */
const MAX_WAIT_MS = 30_000;

/**
 * With a kernel sleep, how far ahead of a due time the timer hands over to
 * it: more than a timer's lateness (1–2 ms), so the timer lands before the
 * due time and the sleep takes the scheduler the rest of the way.
 */
const KERNEL_SLEEP_WINDOW_MS = 4;

/**
 * Kernel sleeps in flight at most; past that the timer serves (each holds a
 * thread of Deno's blocking pool until it runs out, and one is enough unless
 * runs keep arriving due sooner than the one it sleeps for).
 */
const MAX_KERNEL_SLEEPS = 4;

/** When one job fires. */
export interface JobPlan {
  /** Seconds between runs; used when `cron` is absent (default 60). */
  interval?: number;
  /** A croner pattern (5 or 6 fields). */
  cron?: string;
  timezone?: string;
  /** Each run (and the first) is due up to this many seconds after its slot, at random. */
  jitter: number;
  /** Fire once right after start (within the jitter), not only at the first slot. */
  runAtStart: boolean;
}

/**
 * Called for each due run: the key, the time it was due (epoch ms, jitter
 * included) and how late this call is (ms, never negative).
 */
export type OnDue = (key: string, dueAt: number, lateMs: number) => void;

export interface SchedulerOptions {
  /** The jitter source (default Math.random). */
  random?: () => number;
  /** Where the scheduler records how late each run fires (`spoke_schedule_drift_seconds`). */
  metrics?: MetricsRegistry;
  /**
   * Wakes the scheduler to the tenth of a millisecond (`openKernelSleep()`);
   * without it runs start when Deno's timer fires, 0–2 ms after their due
   * time. Closing it is the caller's, after `settled()`.
   */
  kernelSleep?: KernelSleep;
}

interface Job {
  key: string;
  plan: JobPlan;
  /** Interval jobs: milliseconds between slots. */
  intervalMs: number;
  jitterMs: number;
  /** Cron jobs: croner computes the slots; it never runs a timer of its own here. */
  cron: Cron | undefined;
  /** The next slot, before jitter (epoch ms); slots keep the phase of the first one. */
  slot: number;
  /** The next due time: the slot plus this run's jitter. */
  due: number;
  heapIndex: number;
  paused: boolean;
  /** The wake-up that last fired it: one that fires a job once fires it no more. */
  wake: number;
}

/**
 * Says when each key is due, and nothing else: what runs then (and whether a
 * run that is still going makes this one a skip) is the caller's `onDue`.
 *
 * All jobs share one timer over a heap of due times, so one wake-up serves
 * every job due by then, and a run's jitter is drawn into its due time (one
 * timer hop per run, not an interval timer and then a jitter timer). Interval
 * jobs keep their phase: each slot is the last one plus the interval, never
 * "now plus the interval", so a late wake-up does not push later runs. Runs
 * missed while the process slept or the job was paused are not made up: the
 * next slot is the first one still ahead. Cron jobs take their slots from
 * Croner. Jobs can be paused, resumed and stopped one by one or by any
 * selection of keys (all, a class prefix, one network).
 *
 * Interval jobs once had a Croner job each, whose parsed pattern costs about
 * 85 KB: a job here is a few numbers.
 */
export class Scheduler {
  #jobs = new Map<string, Job>();
  #heap = new DueHeap<Job>();
  #onDue: OnDue;
  #random: () => number;
  #drift?: ReturnType<Histogram["labels"]>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * When the armed timer should fire by the delay it asked for (epoch ms;
   * Infinity when none is armed). How much later it does is learnt.
   */
  #askedFor = Infinity;
  #lead = new TimerLead();
  #kernelSleep: KernelSleep | undefined;
  /** Due times the kernel sleeps in flight run to. */
  #sleepingUntil: number[] = [];
  #whenSettled: (() => void)[] = [];
  #wakes = 0;
  #firing = false;
  /** Wall time minus monotonic time: due times are wall times with sub-ms precision. */
  #clockOffset = performance.timeOrigin;

  constructor(onDue: OnDue, options: SchedulerOptions = {}) {
    if (typeof onDue !== "function") {
      throw new TypeError(`Scheduler: onDue must be a function, got ${typeof onDue}`);
    }
    this.#onDue = onDue;
    this.#random = options.random ?? Math.random;
    this.#kernelSleep = options.kernelSleep;
    this.#drift = options.metrics?.histogram(
      "spoke_schedule_drift_seconds",
      "How late each scheduled run fired after its due time (jitter included in the due time).",
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ).labels({});
  }

  /**
   * The scheduler's clock (epoch ms): the wall clock with sub-millisecond
   * steps. It follows the wall clock when that jumps (a Pi without a
   * real-time clock learns the date from NTP after boot).
   */
  now(): number {
    const monotonic = performance.now();
    const wall = Date.now();
    if (Math.abs(wall - (monotonic + this.#clockOffset)) > 1000) {
      this.#clockOffset = wall - monotonic;
    }
    return monotonic + this.#clockOffset;
  }

  /**
   * Starts (or replaces) the job of a key. A replaced job that was paused
   * stays paused: a config reload does not undo an operator's pause.
   * Throws a RangeError naming the key on a bad plan, and then changes nothing.
   */
  add(key: string, plan: JobPlan): void {
    const job = this.#makeJob(key, plan);
    const paused = this.#jobs.get(key)?.paused ?? false;
    this.remove(key);
    this.#jobs.set(key, job);
    const now = this.now();
    if (plan.runAtStart) {
      job.slot = now;
      job.due = now + this.#jitter(job);
    } else {
      this.#advance(job, now);
    }
    if (paused) job.paused = true;
    else this.#schedule(job);
  }

  /** The plan a key runs on. */
  plan(key: string): JobPlan | undefined {
    return this.#jobs.get(key)?.plan;
  }

  /** Every key with a job. */
  keys(): string[] {
    return [...this.#jobs.keys()];
  }

  /**
   * Pauses one key, or the keys `match` accepts (all without one): no firing
   * until resumed. Returns the keys that were running and are paused now.
   */
  pause(match: string | ((key: string) => boolean) = () => true): string[] {
    const paused: string[] = [];
    for (const job of this.#select(match)) {
      if (job.paused) continue;
      job.paused = true;
      this.#heap.remove(job);
      paused.push(job.key);
    }
    return paused;
  }

  /**
   * Resumes one paused key, or the paused keys `match` accepts. A run that
   * fell due while paused is not made up: the job fires next at its first
   * slot still ahead, on the same phase. Returns the keys resumed.
   */
  resume(match: string | ((key: string) => boolean) = () => true): string[] {
    const resumed: string[] = [];
    const now = this.now();
    for (const job of this.#select(match)) {
      if (!job.paused) continue;
      job.paused = false;
      if (job.due <= now) this.#advance(job, now);
      this.#schedule(job);
      resumed.push(job.key);
    }
    return resumed;
  }

  isPaused(key: string): boolean {
    return this.#jobs.get(key)?.paused ?? false;
  }

  /** Keys whose job is paused. */
  pausedKeys(): string[] {
    return [...this.#jobs.values()].filter((job) => job.paused).map((job) => job.key);
  }

  /** Stops the job of a key. */
  remove(key: string): void {
    const job = this.#jobs.get(key);
    if (!job) return;
    this.#heap.remove(job);
    this.#jobs.delete(key);
    if (this.#heap.size === 0) this.#disarm();
  }

  has(key: string): boolean {
    return this.#jobs.has(key);
  }

  /** When the key fires next (jitter included); null when it is paused, unknown or has no run left. */
  nextRun(key: string): Date | null {
    const job = this.#jobs.get(key);
    return job && job.heapIndex >= 0 ? new Date(job.due) : null;
  }

  get size(): number {
    return this.#jobs.size;
  }

  /** Stops every job. */
  stop(): void {
    this.#heap.clear();
    this.#jobs.clear();
    this.#disarm();
  }

  /**
   * Resolves once no kernel sleep is in flight (at once without one): after
   * `stop()`, when the kernel sleep may be closed and nothing of the
   * scheduler's is left running.
   */
  settled(): Promise<void> {
    if (this.#sleepingUntil.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenSettled.push(resolve));
  }

  #makeJob(key: string, plan: JobPlan): Job {
    if (typeof key !== "string" || key === "") {
      throw new RangeError(`schedule: a job needs a non-empty key, got ${JSON.stringify(key)}`);
    }
    const where = `schedule ${key}`;
    if (typeof plan !== "object" || plan === null) {
      throw new RangeError(`${where}: the plan must be an object, got ${plan}`);
    }
    const { jitter, interval = 60 } = plan;
    if (typeof jitter !== "number" || !Number.isFinite(jitter) || jitter < 0) {
      throw new RangeError(`${where}: jitter must be a number of seconds ≥ 0, got ${jitter}`);
    }
    let cron: Cron | undefined;
    if (plan.cron !== undefined) {
      try {
        // No callback: Croner only computes slots, it arms no timer of its own.
        cron = new Cron(plan.cron, { timezone: plan.timezone });
        cron.nextRun();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new RangeError(
          `${where}: bad cron pattern ${JSON.stringify(plan.cron)}${
            plan.timezone ? ` (timezone ${plan.timezone})` : ""
          }: ${reason}`,
        );
      }
    } else if (typeof interval !== "number" || !Number.isFinite(interval) || interval <= 0) {
      throw new RangeError(
        `${where}: interval must be a positive number of seconds, got ${interval}`,
      );
    }
    return {
      key,
      plan,
      intervalMs: interval * 1000,
      jitterMs: jitter * 1000,
      cron,
      slot: 0,
      due: 0,
      heapIndex: -1,
      paused: false,
      wake: 0,
    };
  }

  *#select(match: string | ((key: string) => boolean)): Generator<Job> {
    if (typeof match === "string") {
      const job = this.#jobs.get(match);
      if (job) yield job;
      return;
    }
    for (const job of this.#jobs.values()) if (match(job.key)) yield job;
  }

  #jitter(job: Job): number {
    return job.jitterMs > 0 ? this.#random() * job.jitterMs : 0;
  }

  /** Moves a job to its first slot after `now` (and after its current one); false when none is left. */
  #advance(job: Job, now: number): boolean {
    if (job.cron) {
      const next = job.cron.nextRun(new Date(Math.max(now, job.slot)));
      if (!next) return false;
      job.slot = next.getTime();
    } else if (job.slot === 0) {
      job.slot = now + job.intervalMs;
    } else {
      job.slot += job.intervalMs;
      // Missed slots (a sleep, a pause, a long stall) are skipped, not made up.
      if (job.slot <= now) {
        job.slot += Math.floor((now - job.slot) / job.intervalMs + 1) * job.intervalMs;
      }
    }
    job.due = job.slot + this.#jitter(job);
    return true;
  }

  #schedule(job: Job): void {
    this.#heap.push(job);
    // Armed again only for an earlier timer than the one armed.
    if (!this.#firing && this.#lookFor(job.due, this.now()) < this.#nextLook()) this.#arm();
  }

  /** When the scheduler would look for a job due at `due`: a kernel sleep's end, or a timer's. */
  #lookFor(due: number, now: number): number {
    return this.#kernelSleep && due - now <= KERNEL_SLEEP_WINDOW_MS
      ? due
      : this.#timerFor(due, now);
  }

  /** When the scheduler looks at the heap next: its timer or its first kernel sleep. */
  #nextLook(): number {
    let next = this.#askedFor;
    for (const until of this.#sleepingUntil) next = Math.min(next, until);
    return next;
  }

  #arm(): void {
    this.#disarm();
    const next = this.#heap.peek();
    if (!next) return;
    const now = this.now();
    if (this.#kernelSleep && next.due - now <= KERNEL_SLEEP_WINDOW_MS) {
      // A sleep in flight that ends by then wakes the scheduler in time.
      if (this.#sleepingUntil.some((until) => until <= next.due)) return;
      if (this.#sleepingUntil.length < MAX_KERNEL_SLEEPS) return this.#sleepUntil(next.due, now);
    }
    this.#askedFor = this.#timerFor(next.due, now);
    this.#timer = setTimeout(() => this.#wake(), this.#askedFor - now);
  }

  #sleepUntil(due: number, now: number): void {
    this.#sleepingUntil.push(due);
    const woke = () => {
      this.#sleepingUntil.splice(this.#sleepingUntil.indexOf(due), 1);
      // Fires what is due by now and plans again; one no longer wanted fires nothing.
      this.#wake(false);
      if (this.#sleepingUntil.length === 0) {
        for (const resolve of this.#whenSettled.splice(0)) resolve();
      }
    };
    this.#kernelSleep!.sleep(due - now).then(woke, (error) => {
      log.warn("kernel sleep failed, keeping to the timer: {error}", { error });
      this.#kernelSleep = undefined;
      woke();
    });
  }

  /**
   * When to ask the timer for, for a job due at `due`: ahead by the timer's
   * usual lateness, at least 1 ms on (0 is 1 ms anyway, and later), whole ms.
   * With a kernel sleep, ahead by its window instead, which it sleeps out.
   */
  #timerFor(due: number, now: number): number {
    const ahead = this.#kernelSleep ? KERNEL_SLEEP_WINDOW_MS : this.#lead.ms;
    return now + Math.min(Math.max(1, Math.ceil(due - now - ahead)), MAX_WAIT_MS);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#askedFor = Infinity;
  }

  /**
   * Fires every job due by now, each once (a job that comes due while others
   * fire is fired too, without another timer hop), then sleeps until the next
   * one. A wake-up before the first due time fires nothing and arms again.
   */
  #wake(fromTimer = true): void {
    if (fromTimer) this.#lead.observe(this.now() - this.#askedFor);
    // A kernel sleep's wake-up may come with a timer armed: this one plans afresh.
    this.#disarm();
    this.#firing = true;
    const wake = ++this.#wakes;
    try {
      for (let job = this.#heap.peek(); job && job.wake !== wake; job = this.#heap.peek()) {
        // The clock read per job: one that came due while others fired goes now, and its
        // lateness owns the time the calls before it took.
        const now = this.now();
        if (job.due > now) break;
        job.wake = wake;
        const dueAt = job.due;
        // Moved on before the call, so an onDue that pauses or removes the job wins.
        if (this.#advance(job, now)) this.#heap.moved(job);
        else this.#heap.remove(job);
        const lateMs = now - dueAt;
        this.#drift?.observe(lateMs / 1000);
        try {
          this.#onDue(job.key, dueAt, lateMs);
        } catch (error) {
          log.error("onDue for {key} threw: {error}", { key: job.key, error });
        }
      }
    } finally {
      this.#firing = false;
    }
    this.#arm();
  }
}
