import * as v from "valibot";
import { FeedError } from "./feed_error.ts";

/**
 * Checks a fetched document against its valibot schema and returns the parsed
 * output, or throws a {@link FeedError} that names the URL, the field path and
 * the value found: `data.stations[3].num_bikes_available must be a number, got "x"`.
 */
export function parseFeed<TSchema extends v.GenericSchema>(
  schema: TSchema,
  document: unknown,
  url: string,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, document);
  if (result.success) return result.output;
  const [first, ...rest] = result.issues;
  const more = rest.length === 0 ? "" : ` (and ${rest.length} more)`;
  throw new FeedError(url, `${describeIssue(first)}${more}`);
}

type PathItem = v.IssuePathItem;

function describeIssue(reported: v.GenericIssue): string {
  const { issue, path } = closestOption(reported, reported.path ?? []);
  const where = formatPath(path);
  const last = path[path.length - 1];
  // valibot reports a missing key as an object issue whose expected value is the key itself.
  const missing = issue.input === undefined && last !== undefined &&
    typeof last.input === "object" && last.input !== null && !(String(last.key) in last.input);
  if (missing) return `${where} is missing`;
  // Our own checks (pipe + check) carry their wording in the message.
  const wanted = issue.kind === "validation" ? issue.message : `must be ${expectedWords(issue)}`;
  return `${where} ${wanted}, got ${showValue(issue.input)}`;
}

/**
 * A union (2.x number or 3.x string, say) reports "must be a number or a
 * string" even when the value had the right type and failed a finer check. The
 * option the value did match says more: its check failed, or a field inside it.
 * Sub-issues carry paths relative to the union's value.
 */
function closestOption(
  issue: v.GenericIssue,
  path: readonly PathItem[],
): { issue: v.GenericIssue; path: readonly PathItem[] } {
  if (issue.type !== "union" || issue.issues === undefined) return { issue, path };
  const inner = issue.issues.find((sub) =>
    sub.kind === "validation" || (sub.path?.length ?? 0) > 0
  );
  if (inner === undefined) return { issue, path };
  return closestOption(inner, [...path, ...(inner.path ?? [])]);
}

function formatPath(items: readonly PathItem[]): string {
  let path = "";
  for (const item of items) {
    const key = item.key;
    if (typeof key === "number") path += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) {
      path += path === "" ? key : `.${key}`;
    } else path += `[${JSON.stringify(String(key))}]`;
  }
  return path === "" ? "document" : path;
}

const article: Record<string, string> = {
  number: "a number",
  string: "a string",
  boolean: "a boolean",
  Object: "an object",
  Array: "an array",
};

function expectedWords(issue: v.GenericIssue): string {
  const expected = (issue.expected ?? "").replace(/^\((.*)\)$/, "$1");
  return expected.split(" | ").map((name) => article[name] ?? name).join(" or ");
}

/** A value as an error message shows it: JSON, cut at 60 characters. */
export function showValue(value: unknown): string {
  if (value === undefined) return "undefined";
  // JSON would print NaN and Infinity as null.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
