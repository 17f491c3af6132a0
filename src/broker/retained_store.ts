import type { Message } from "./message.ts";
import { isExpired } from "./message.ts";

interface RetainedNode {
  /** Made with the first child: most nodes are leaves (`…/update`), and a Map each is garbage. */
  children: Map<string, RetainedNode> | undefined;
  message: Message | undefined;
}

function newNode(): RetainedNode {
  return { children: undefined, message: undefined };
}

/**
 * The last retained message per topic (§3.3.1.3), kept in a trie by topic level so a new
 * subscription's filter walks only the branches it can match instead of every retained topic.
 */
export class RetainedStore {
  readonly #root: RetainedNode = newNode();
  #size = 0;

  /** How many topics hold a retained message (expired ones count until they are purged). */
  get size(): number {
    return this.#size;
  }

  /**
   * Keeps `message` as the retained message of its topic, replacing the previous one
   * [MQTT-3.3.1-5]; an empty payload deletes the topic's retained message instead
   * [MQTT-3.3.1-10] and is itself not stored [MQTT-3.3.1-11].
   */
  set(message: Message): void {
    if (message.payload.byteLength === 0) {
      this.delete(message.topic);
      return;
    }
    let node = this.#root;
    for (const level of message.topic.split("/")) {
      let child = node.children?.get(level);
      if (child === undefined) {
        child = newNode();
        (node.children ??= new Map()).set(level, child);
      }
      node = child;
    }
    if (node.message === undefined) this.#size++;
    node.message = message;
  }

  /** The retained message of exactly `topic`, if any. */
  get(topic: string): Message | undefined {
    let node: RetainedNode | undefined = this.#root;
    for (const level of topic.split("/")) {
      node = node.children?.get(level);
      if (node === undefined) return undefined;
    }
    return node.message;
  }

  /** Deletes the retained message of `topic`; true when there was one. */
  delete(topic: string): boolean {
    const levels = topic.split("/");
    const path: RetainedNode[] = [this.#root];
    let node = this.#root;
    for (const level of levels) {
      const child = node.children?.get(level);
      if (child === undefined) return false;
      path.push(child);
      node = child;
    }
    if (node.message === undefined) return false;
    node.message = undefined;
    this.#size--;
    for (let i = levels.length; i > 0; i--) {
      const current = path[i]!;
      if (current.message !== undefined || (current.children?.size ?? 0) > 0) break;
      const parent = path[i - 1]!;
      parent.children!.delete(levels[i - 1]!);
      if (parent.children!.size === 0) parent.children = undefined;
    }
    return true;
  }

  /**
   * The unexpired retained messages whose topic matches `filter` (§4.7 rules, including
   * [MQTT-4.7.2-1]: first-level wildcards skip `$` topics). Expired ones met on the way are
   * deleted, so an aged-out retained message is never delivered [MQTT-3.3.2-5].
   */
  match(filter: string, nowMs: number = Date.now()): Message[] {
    const found: Message[] = [];
    this.#walk(this.#root, filter.split("/"), 0, found);
    const live = found.filter((message) => !isExpired(message, nowMs));
    if (live.length !== found.length) {
      for (const message of found) if (isExpired(message, nowMs)) this.delete(message.topic);
    }
    return live;
  }

  /** Deletes every expired retained message; returns how many went. */
  purgeExpired(nowMs: number = Date.now()): number {
    const all: Message[] = [];
    collectSubtree(this.#root, all, false);
    let purged = 0;
    for (const message of all) {
      if (isExpired(message, nowMs) && this.delete(message.topic)) purged++;
    }
    return purged;
  }

  #walk(node: RetainedNode, levels: string[], depth: number, found: Message[]): void {
    if (depth === levels.length) {
      if (node.message !== undefined) found.push(node.message);
      return;
    }
    const level = levels[depth]!;
    const atRoot = depth === 0;
    if (level === "#") {
      // "a/#" also matches "a" itself; at the root, "#" skips '$' topics [MQTT-4.7.2-1].
      collectSubtree(node, found, atRoot);
    } else if (node.children === undefined) {
      return;
    } else if (level === "+") {
      for (const [name, child] of node.children) {
        if (atRoot && name.startsWith("$")) continue; // [MQTT-4.7.2-1]
        this.#walk(child, levels, depth + 1, found);
      }
    } else {
      const child = node.children.get(level);
      if (child !== undefined) this.#walk(child, levels, depth + 1, found);
    }
  }
}

function collectSubtree(node: RetainedNode, found: Message[], skipDollar: boolean): void {
  if (node.message !== undefined) found.push(node.message);
  if (node.children === undefined) return;
  if (skipDollar) {
    for (const [name, child] of node.children) {
      if (!name.startsWith("$")) collectSubtree(child, found, false);
    }
    return;
  }
  // Below the root no name is skipped: the children alone, without an entry array each.
  for (const child of node.children.values()) collectSubtree(child, found, false);
}
