import assert from "node:assert/strict";
import { RouteTargets } from "../../src/broker/_route_targets.ts";
import { type Qos, Session, type Subscription } from "../../src/broker/session.ts";

const limits = { maxMessages: 10, maxBytes: 1000, policy: "drop-oldest" } as const;

function subscription(
  session: Session,
  filter: string,
  qos: Qos,
  subscriptionId?: number,
  retainAsPublished = false,
): Subscription {
  return {
    filter,
    matchFilter: filter,
    shareGroup: undefined,
    qos,
    noLocal: false,
    retainAsPublished,
    retainHandling: 0,
    subscriptionId,
    session,
  };
}

function listed(targets: RouteTargets) {
  const rows: unknown[] = [];
  targets.forEach((session, qos, retainAsPublished, subscriptionIds) => {
    rows.push([session.clientId, qos, retainAsPublished, subscriptionIds]);
  });
  return rows;
}

Deno.test("RouteTargets lists each session once, with its overlapping subscriptions merged", () => {
  const [a, b, c] = ["a", "b", "c"].map((id) => new Session(id, limits)) as [
    Session,
    Session,
    Session,
  ];
  const targets = new RouteTargets();
  targets.add(subscription(a, "x/#", 0, 1));
  targets.add(subscription(b, "x/+", 1));
  targets.add(subscription(a, "x/y", 2, 2, true));
  targets.add(subscription(c, "#", 1, 5));
  targets.add(subscription(a, "+/y", 1));
  assert.equal(targets.size, 3);
  // [MQTT-3.3.5-1] the highest QoS; [MQTT-3.3.4-3] every identifier; in first-match order.
  assert.deepEqual(listed(targets), [
    ["a", 2, true, [1, 2]],
    ["b", 1, false, undefined],
    ["c", 1, false, [5]],
  ]);
});

Deno.test("RouteTargets of a route started inside another leave the outer one's list alone", () => {
  const [a, b] = ["a", "b"].map((id) => new Session(id, limits)) as [Session, Session];
  const outer = new RouteTargets();
  outer.add(subscription(a, "x", 1));
  outer.add(subscription(b, "x", 0));
  const seen: unknown[] = [];
  outer.forEach((session, qos) => {
    // A will routed from inside a delivery lists the same sessions under its own mark.
    const inner = new RouteTargets();
    inner.add(subscription(b, "w", 2));
    inner.add(subscription(a, "w", 0));
    assert.deepEqual(listed(inner), [["b", 2, false, undefined], ["a", 0, false, undefined]]);
    seen.push([session.clientId, qos]);
  });
  assert.deepEqual(seen, [["a", 1], ["b", 0]]);
  // And a later route starts afresh.
  const later = new RouteTargets();
  later.add(subscription(b, "x", 1));
  assert.deepEqual(listed(later), [["b", 1, false, undefined]]);
});
