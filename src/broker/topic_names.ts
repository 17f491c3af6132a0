/**
 * Validation of topic names (what PUBLISH carries) and topic filters (what SUBSCRIBE carries),
 * spec §4.7. Each returns the reason a string is invalid, or `undefined` when it is fine, so the
 * caller chooses the response (SUBACK failure, DISCONNECT, thrown error).
 */

/** Why `topic` is not a valid topic name, or `undefined` when it is. */
export function topicNameProblem(topic: string): string | undefined {
  // [MQTT-4.7.3-1] all topic names and filters are at least one character long
  if (topic.length === 0) return "topic name must not be empty";
  // [MQTT-3.3.2-2] the topic name in a PUBLISH must not contain wildcard characters
  if (topic.includes("+") || topic.includes("#")) {
    return `topic name "${topic}" must not contain wildcards (+ or #)`;
  }
  // [MQTT-4.7.3-2] topic names and filters must not include the null character
  if (topic.includes("\u0000")) return "topic name must not contain U+0000";
  return undefined;
}

/** Why `filter` is not a valid topic filter, or `undefined` when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  // [MQTT-4.7.3-1]
  if (filter.length === 0) return "topic filter must not be empty";
  // [MQTT-4.7.3-2]
  if (filter.includes("\u0000")) return "topic filter must not contain U+0000";
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes("#")) {
      // [MQTT-4.7.1-2] '#' stands alone in its level and is the last character of the filter
      if (level !== "#" || i !== levels.length - 1) {
        return `topic filter "${filter}": '#' must be the whole last level`;
      }
    } else if (level.includes("+") && level !== "+") {
      // [MQTT-4.7.1-3] '+' occupies an entire level
      return `topic filter "${filter}": '+' must be a whole level`;
    }
  }
  return undefined;
}

/** A shared subscription filter taken apart: its share name and the filter it matches with. */
export interface SharedFilter {
  readonly group: string;
  readonly filter: string;
}

/**
 * Parses a shared subscription filter `$share/<ShareName>/<filter>` (§4.8.2): `undefined` for a
 * filter that is not shared, the parts for a valid one, and the reason as a string for a bad one
 * (an empty share name or one holding a wildcard [MQTT-4.8.2-2], no filter after it).
 */
export function parseSharedFilter(filter: string): SharedFilter | string | undefined {
  if (!filter.startsWith("$share/")) return undefined;
  const rest = filter.slice("$share/".length);
  const slash = rest.indexOf("/");
  const group = slash < 0 ? rest : rest.slice(0, slash);
  if (group.length === 0 || group.includes("+") || group.includes("#")) {
    return `shared subscription "${filter}": the share name must be non-empty, without wildcards`;
  }
  const inner = slash < 0 ? "" : rest.slice(slash + 1);
  const problem = topicFilterProblem(inner);
  if (problem !== undefined) return `shared subscription "${filter}": ${problem}`;
  return { group, filter: inner };
}
