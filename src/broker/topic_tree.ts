/**
 * Subscriptions indexed by topic filter level, so routing a PUBLISH walks one path per wildcard
 * branch — O(levels) — instead of testing every subscription.
 */

interface TreeNode<T> {
  readonly children: Map<string, TreeNode<T>>;
  /** The values of the filters that end at this node, by owner key (e.g. client id). */
  values: Map<string, T> | undefined;
}

function newNode<T>(): TreeNode<T> {
  return { children: new Map(), values: undefined };
}

/**
 * Whether `topic` matches `filter` (spec §4.7). `+` matches one level, `#` the parent level and
 * any number below; wildcards at the first level never match a topic starting with `$`.
 *
 * @example
 * ```ts
 * import { topicMatches } from "./mod.ts";
 *
 * topicMatches("network/+/+/update", "network/gbfs/citi-bike-nyc/update"); // true
 * topicMatches("sport/#", "sport"); // true
 * topicMatches("#", "$SYS/broker/uptime"); // false
 * ```
 */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = filter.split("/");
  const topicLevels = topic.split("/");
  // [MQTT-4.7.2-1] '#' and '+' at the first level do not match topics beginning with '$'
  if (topic.startsWith("$") && (filterLevels[0] === "#" || filterLevels[0] === "+")) return false;
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === "#") return true;
    if (i >= topicLevels.length) return false;
    if (level !== "+" && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/** A trie of topic filters; each filter holds values keyed by their owner. */
export class TopicTree<T> {
  readonly #root: TreeNode<T> = newNode();
  #size = 0;

  /** How many (filter, key) entries the tree holds. */
  get size(): number {
    return this.#size;
  }

  /** Stores `value` for `key` under `filter`; returns true when the entry is new. */
  add(filter: string, key: string, value: T): boolean {
    let node = this.#root;
    for (const level of filter.split("/")) {
      let child = node.children.get(level);
      if (child === undefined) {
        child = newNode();
        node.children.set(level, child);
      }
      node = child;
    }
    node.values ??= new Map();
    const isNew = !node.values.has(key);
    node.values.set(key, value);
    if (isNew) this.#size++;
    return isNew;
  }

  /** Removes `key`'s entry under `filter`, pruning emptied branches; true when one was removed. */
  remove(filter: string, key: string): boolean {
    const levels = filter.split("/");
    const path: TreeNode<T>[] = [this.#root];
    let node = this.#root;
    for (const level of levels) {
      const child = node.children.get(level);
      if (child === undefined) return false;
      path.push(child);
      node = child;
    }
    if (node.values === undefined || !node.values.delete(key)) return false;
    this.#size--;
    if (node.values.size === 0) node.values = undefined;
    // Prune from the leaf up so a tree with churning clients does not keep dead branches.
    for (let i = levels.length; i > 0; i--) {
      const current = path[i]!;
      if (current.values !== undefined || current.children.size > 0) break;
      path[i - 1]!.children.delete(levels[i - 1]!);
    }
    return true;
  }

  /** Calls `visit` for every entry whose filter matches `topic` (a key may be visited twice). */
  match(topic: string, visit: (value: T, key: string) => void): void {
    const levels = topic.split("/");
    // [MQTT-4.7.2-1] wildcards at the first level never match a topic starting with '$'
    this.#matchFrom(this.#root, levels, 0, topic.startsWith("$"), visit);
  }

  #matchFrom(
    node: TreeNode<T>,
    levels: string[],
    depth: number,
    skipWildcards: boolean,
    visit: (value: T, key: string) => void,
  ): void {
    if (!skipWildcards) {
      // '#' matches this level and everything below, including the parent level itself
      // ("a/#" matches "a"), so it is checked before the end-of-topic test.
      const multi = node.children.get("#");
      if (multi?.values !== undefined) visitAll(multi.values, visit);
    }
    if (depth === levels.length) {
      if (node.values !== undefined) visitAll(node.values, visit);
      return;
    }
    if (!skipWildcards) {
      const single = node.children.get("+");
      if (single !== undefined) this.#matchFrom(single, levels, depth + 1, false, visit);
    }
    const exact = node.children.get(levels[depth]!);
    if (exact !== undefined) this.#matchFrom(exact, levels, depth + 1, false, visit);
  }
}

function visitAll<T>(values: Map<string, T>, visit: (value: T, key: string) => void): void {
  for (const [key, value] of values) visit(value, key);
}
