/**
 * The sessions one routed message goes to, each once, at the strongest of its matching
 * subscriptions [MQTT-3.3.5-1]. A fan-out to 100 sessions used to build a Map and an object per
 * session for every message; here a session's only matching subscription stands for it (the
 * common case: one filter per client), a merged target is made only when a second one matches
 * (overlapping filters), and whether a session is listed already is the mark this route left on it.
 */
import type { Qos, Session, Subscription } from "./session.ts";

/** A session matched by overlapping subscriptions: one copy, their strongest terms. */
class MergedTarget {
  readonly session: Session;
  qos: Qos;
  retainAsPublished: boolean;
  subscriptionIds: number[] | undefined;

  constructor(first: Subscription) {
    this.session = first.session;
    this.qos = first.qos;
    this.retainAsPublished = first.retainAsPublished;
    this.subscriptionIds = idsOf(first);
  }

  merge(subscription: Subscription): void {
    // [MQTT-3.3.5-1] one copy, at the maximum QoS of the overlapping subscriptions
    if (subscription.qos > this.qos) this.qos = subscription.qos;
    this.retainAsPublished ||= subscription.retainAsPublished;
    if (subscription.subscriptionId !== undefined) {
      // [MQTT-3.3.4-3] every matching subscription's identifier travels with the one copy
      (this.subscriptionIds ??= []).push(subscription.subscriptionId);
    }
  }
}

function idsOf(subscription: Subscription): number[] | undefined {
  return subscription.subscriptionId === undefined ? undefined : [subscription.subscriptionId];
}

/** Marks of routes so far; each route's is new, so an old mark on a session means "not yet". */
let lastMark = 0;

/** The targets of one route, in the order their sessions first matched. */
export class RouteTargets {
  readonly #mark = ++lastMark;
  readonly #list: (Subscription | MergedTarget)[] = [];

  get size(): number {
    return this.#list.length;
  }

  /** A matching (non-shared) subscription: its session gets one copy, however many match. */
  add(subscription: Subscription): void {
    const session = subscription.session;
    if (session.routeMark !== this.#mark) {
      session.routeMark = this.#mark;
      session.routeIndex = this.#list.length;
      this.#list.push(subscription);
      return;
    }
    const index = session.routeIndex;
    let merged = this.#list[index]!;
    if (!(merged instanceof MergedTarget)) {
      merged = new MergedTarget(merged);
      this.#list[index] = merged;
    }
    merged.merge(subscription);
  }

  /**
   * Calls `visit` for each session with its terms. Only this route's list is read, so a route
   * started from inside `visit` (a will, say) leaves it as it is.
   */
  forEach(
    visit: (
      session: Session,
      qos: Qos,
      retainAsPublished: boolean,
      subscriptionIds: readonly number[] | undefined,
    ) => void,
  ): void {
    for (const target of this.#list) {
      if (target instanceof MergedTarget) {
        visit(target.session, target.qos, target.retainAsPublished, target.subscriptionIds);
      } else {
        visit(target.session, target.qos, target.retainAsPublished, idsOf(target));
      }
    }
  }
}
