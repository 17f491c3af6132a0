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

/** Whether `filter` is an MQTT 5 shared subscription (`$share/<group>/<filter>`, §4.8.2). */
export function isSharedFilter(filter: string): boolean {
  return filter.startsWith("$share/");
}
