/**
 * Access control lists, in mosquitto's `acl_file` format so existing files carry over:
 *
 * ```text
 * # before any `user` line: rules for anonymous clients
 * topic read public/#
 * user alice                 # rules for user alice until the next `user` line
 * topic readwrite alice/#
 * topic deny alice/secret/#
 * pattern write devices/%c/# # for every client; %u = user name, %c = client id
 * ```
 *
 * Access is `read`, `write`, `readwrite` (the default) or `deny`. A `deny` rule that matches
 * wins; otherwise a matching rule with the right access allows, and nothing else does.
 */
import { topicFilterProblem } from "./topic_names.ts";
import { topicMatches } from "./topic_tree.ts";

/** What a rule grants. */
export type AclAccess = "read" | "write" | "readwrite" | "deny";

/** One `topic` or `pattern` line. */
export interface AclRule {
  readonly access: AclAccess;
  readonly filter: string;
  /** A `pattern` rule: `%u` and `%c` are replaced by the user name and client id. */
  readonly substitutes: boolean;
}

/** A parsed ACL file. */
export interface AclRules {
  readonly anonymous: readonly AclRule[];
  readonly users: ReadonlyMap<string, readonly AclRule[]>;
  readonly patterns: readonly AclRule[];
}

/**
 * An ACL file line that cannot be read; says which line and why.
 *
 * @example
 * ```ts
 * import { AclError, Broker } from "./mod.ts";
 *
 * try {
 *   new Broker({ acl: "topic read a/#/b\n" });
 * } catch (error) {
 *   if (error instanceof AclError) console.log(error.message); // "ACL line 1: topic filter …"
 * }
 * ```
 */
export class AclError extends Error {
  /** A file the user points at is bad: the CLI exits with this code. */
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = "AclError";
  }
}

const ACCESS_WORDS: ReadonlySet<string> = new Set(["read", "write", "readwrite", "deny"]);

/** Parses ACL `text`; throws {@linkcode AclError} naming the bad line. */
export function parseAcl(text: string, source = "ACL"): AclRules {
  const anonymous: AclRule[] = [];
  const users = new Map<string, AclRule[]>();
  const patterns: AclRule[] = [];
  let current = anonymous;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = `${source} line ${index + 1}`;
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword === "user") {
      const name = rest.join(" ");
      if (name === "") throw new AclError(`${where}: "user" needs a user name`);
      current = users.get(name) ?? [];
      users.set(name, current);
      continue;
    }
    if (keyword !== "topic" && keyword !== "pattern") {
      throw new AclError(`${where}: expected "user", "topic" or "pattern", got "${keyword}"`);
    }
    let access: AclAccess = "readwrite";
    if (rest.length > 1 && ACCESS_WORDS.has(rest[0]!)) access = rest.shift() as AclAccess;
    const filter = rest.join(" ");
    const problem = filter === "" ? "a topic filter is missing" : topicFilterProblem(filter);
    if (problem !== undefined) throw new AclError(`${where}: ${problem}`);
    const rule: AclRule = { access, filter, substitutes: keyword === "pattern" };
    if (keyword === "pattern") patterns.push(rule);
    else current.push(rule);
  }
  return { anonymous, users, patterns };
}

/** Who a decision is about. */
export interface AclSubject {
  readonly clientId: string;
  readonly username: string | undefined;
}

/**
 * Whether `subject` may `action` on `target`: a topic name (publish, delivery) or, with
 * `isFilter`, a subscription's topic filter, which a rule must cover entirely.
 */
export function aclAllows(
  rules: AclRules,
  subject: AclSubject,
  action: "read" | "write",
  target: string,
  isFilter: boolean,
): boolean {
  const own = subject.username === undefined
    ? rules.anonymous
    : rules.users.get(subject.username) ?? [];
  let allowed = false;
  for (const list of [own, rules.patterns]) {
    for (const rule of list) {
      const filter = rule.substitutes ? substitute(rule.filter, subject) : rule.filter;
      if (filter === undefined) continue;
      // A denied filter a subscription only overlaps is still granted; delivery then checks
      // every message against the rules, so nothing denied gets through.
      const matches = isFilter ? filterCovers(filter, target) : topicMatches(filter, target);
      if (!matches) continue;
      if (rule.access === "deny") return false;
      if (rule.access === "readwrite" || rule.access === action) allowed = true;
    }
  }
  return allowed;
}

/** `filter` with %u and %c replaced; undefined when a value cannot stand in a topic level. */
function substitute(filter: string, subject: AclSubject): string | undefined {
  let result = filter;
  if (result.includes("%u")) {
    if (subject.username === undefined || !isLevelSafe(subject.username)) return undefined;
    result = result.replaceAll("%u", subject.username);
  }
  if (result.includes("%c")) {
    if (!isLevelSafe(subject.clientId)) return undefined;
    result = result.replaceAll("%c", subject.clientId);
  }
  return result;
}

/** A value with a wildcard or separator would widen the rule it is put into. */
function isLevelSafe(value: string): boolean {
  return value !== "" && !/[+#/]/.test(value);
}

/** Whether every topic matching `inner` also matches `outer` (both topic filters). */
export function filterCovers(outer: string, inner: string): boolean {
  const outerLevels = outer.split("/");
  const innerLevels = inner.split("/");
  // [MQTT-4.7.2-1] a leading wildcard in `outer` does not reach `$` topics
  if (inner.startsWith("$") && (outerLevels[0] === "#" || outerLevels[0] === "+")) return false;
  for (let i = 0; i < outerLevels.length; i++) {
    const level = outerLevels[i]!;
    if (level === "#") return true;
    const innerLevel = innerLevels[i];
    if (innerLevel === undefined || innerLevel === "#") return false;
    if (level === "+") continue;
    if (innerLevel === "+" || innerLevel !== level) return false;
  }
  return outerLevels.length === innerLevels.length;
}
