import type { ISubscribePacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ProtocolError } from "../errors.ts";
import { ReasonCode } from "../reason_codes.ts";
import type { Subscription } from "../session.ts";
import { parseSharedFilter, topicFilterProblem } from "../topic_names.ts";

/** SUBACK failure code of MQTT 3.1.1 (§3.9.3). */
const SUBACK_FAILURE_V4 = 0x80;

/**
 * SUBSCRIBE: grant each filter at the requested QoS (the broker supports 0, 1 and 2), answer
 * SUBACK with one code per filter in order [MQTT-3.9.3-1], then send the retained messages the
 * new subscriptions match [MQTT-3.8.4-4].
 */
export function handleSubscribe(client: Client, packet: ISubscribePacket): void {
  const core = client.core;
  const session = client.session!;
  const v5 = client.protocolVersion === 5;
  // [MQTT-2.3.1-1] SUBSCRIBE carries a non-zero packet identifier
  if (!packet.messageId) throw new ProtocolError("SUBSCRIBE with packet identifier 0");
  // [MQTT-3.8.3-3] (3.1.1) at least one topic filter
  if (packet.subscriptions.length === 0) {
    throw new ProtocolError("SUBSCRIBE without any topic filter");
  }
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  // A Subscription Identifier of 0 is a protocol error (§3.8.2.1.2).
  if (subscriptionId === 0) throw new ProtocolError("subscription identifier 0");

  const granted: number[] = [];
  const retainedToSend: Subscription[] = [];
  for (const request of packet.subscriptions) {
    const problem = topicFilterProblem(request.topic) ?? core.topicLimitProblem(request.topic);
    if (problem !== undefined) {
      granted.push(v5 ? ReasonCode.TopicFilterInvalid : SUBACK_FAILURE_V4);
      continue;
    }
    const shared = parseSharedFilter(request.topic);
    if (shared !== undefined && typeof shared === "string") {
      granted.push(v5 ? ReasonCode.TopicFilterInvalid : SUBACK_FAILURE_V4);
      continue;
    }
    // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error
    if (shared !== undefined && v5 && request.nl === true) {
      throw new ProtocolError(`No Local set on shared subscription "${request.topic}"`);
    }
    // A subscription the ACL does not allow: 0x80 in 3.1.1 (§3.9.3); in MQTT 5 0x87, or 0x80
    // where the deployment would rather not reveal that the topic is protected.
    const matchFilter = shared === undefined ? request.topic : shared.filter;
    if (!core.access.maySubscribe(client, matchFilter)) {
      granted.push(
        v5 && core.options.subscribeDeniedReason === "not-authorized"
          ? ReasonCode.NotAuthorized
          : ReasonCode.UnspecifiedError,
      );
      continue;
    }
    // A new filter past the per-client limit: 0x97 quota exceeded (MQTT 5), 0x80 (3.1.1).
    if (
      !session.subscriptions.has(request.topic) &&
      session.subscriptions.size >= core.options.maxSubscriptionsPerClient
    ) {
      granted.push(v5 ? ReasonCode.QuotaExceeded : SUBACK_FAILURE_V4);
      continue;
    }
    const qos = request.qos;
    const subscription: Subscription = {
      filter: request.topic,
      matchFilter,
      shareGroup: shared?.group,
      qos,
      noLocal: v5 && request.nl === true,
      retainAsPublished: v5 && request.rap === true,
      retainHandling: v5 ? (request.rh ?? 0) as 0 | 1 | 2 : 0,
      subscriptionId: v5 ? subscriptionId : undefined,
      session,
    };
    // [MQTT-3.8.4-3] a subscription to an existing filter replaces it
    const isNew = core.subscribe(subscription);
    granted.push(qos);
    // Retain Handling (5.0 §3.8.3.1): 0 always sends retained messages, 1 only for a new
    // subscription, 2 never; 3.1.1 always does. A shared subscription gets none (§4.8.2).
    if (
      shared === undefined &&
      (subscription.retainHandling === 0 || (subscription.retainHandling === 1 && isNew))
    ) {
      retainedToSend.push(subscription);
    }
  }
  client.send({ cmd: "suback", messageId: packet.messageId, granted });
  for (const subscription of retainedToSend) core.deliverRetained(client, subscription);
}
