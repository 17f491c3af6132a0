/**
 * Turns valibot issues into one {@link ConfigError} sentence:
 * `<source>: <path> <predicate>, got <value>`.
 */

import type * as v from "valibot";
import { ConfigError } from "./config_error.ts";

type Key = string | number;

/** `["rules", 2, "interval"]` → `rules[2].interval`; odd keys are quoted: `queues["a b"]`. */
export function formatPath(keys: readonly Key[]): string {
  let path = "";
  for (const key of keys) {
    if (typeof key === "number") path += `[${key}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(key)) path += path === "" ? key : `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path;
}

/** A value as a user would write it, cut short so one line stays one line. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "bigint") return `${value}`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Cycles cannot come out of TOML or JSON; String() is the safe fallback.
  }
  text ??= String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isUnknownKey(issue: v.BaseIssue<unknown>): boolean {
  return issue.type === "strict_object" && issue.expected === "never";
}

/**
 * The most useful issue first: an unknown key explains the others (a typo
 * `mach` also makes `match` missing), otherwise the first in document order.
 */
function pickIssue(issues: readonly v.BaseIssue<unknown>[]): v.BaseIssue<unknown> {
  return issues.find(isUnknownKey) ?? issues[0]!;
}

/**
 * One ConfigError for a failed parse. `basePath` prefixes the issue path when
 * a single field was validated on its own (env vars, flags).
 */
export function issuesToError(
  source: string,
  issues: readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]],
  basePath: readonly Key[] = [],
): ConfigError {
  const issue = pickIssue(issues);
  const items = issue.path ?? [];
  const keys: Key[] = [...basePath, ...items.map((item) => item.key as Key)];
  const path = formatPath(keys);
  if (isUnknownKey(issue)) {
    const value = items.at(-1)?.value;
    return new ConfigError(source, `unknown key ${path} (got ${showValue(value)})`, {
      path,
      value,
    });
  }
  const subject = path === "" ? "the document" : path;
  const last = items.at(-1);
  const absent = issue.input === undefined && last !== undefined &&
    typeof last.input === "object" && last.input !== null && !(last.key as Key in last.input);
  // A missing key is reported by its object, whose message is about tables.
  const problem = absent
    ? `${subject} is required`
    : `${subject} ${issue.message}, got ${showValue(issue.input)}`;
  return new ConfigError(source, problem, { path, value: issue.input });
}
