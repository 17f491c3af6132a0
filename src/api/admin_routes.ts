import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { redactSecrets } from "./redact.ts";

/** Which networks a pause or resume is about; neither field means all of them. */
export interface PauseTarget {
  /** A scraper class: `gbfs`. */
  class?: string;
  /** One network, as `<class>::<tag>` or its bare tag. */
  network?: string;
}

/** What the admin routes may change and show. */
export interface AdminControl {
  /** The `Authorization: Bearer` token; the admin routes are off when it is empty. */
  token: string;
  /** Stops the schedules of the matching networks; returns the keys that match. */
  pause(target: PauseTarget): string[];
  /** Starts the schedules of the matching networks again; returns the keys that match. */
  resume(target: PauseTarget): string[];
  /** Keys whose schedule is paused now. */
  paused(): string[];
  /** The effective config; secrets are redacted before it leaves. */
  config(): unknown;
}

const NAME = "must be a non-empty string";
const OBJECT = 'the body must be a JSON object like {"class": "gbfs"} or {"network": "gbfs::x"}';
const TargetSchema = v.pipe(
  // valibot's object schemas accept arrays; a body must be a real object.
  v.custom<Record<string, unknown>>(
    (input) => typeof input === "object" && input !== null && !Array.isArray(input),
    OBJECT,
  ),
  v.strictObject(
    {
      class: v.optional(v.pipe(v.string(NAME), v.minLength(1, NAME))),
      network: v.optional(v.pipe(v.string(NAME), v.minLength(1, NAME))),
    },
    OBJECT,
  ),
  v.check(
    (target) => target.class === undefined || target.network === undefined,
    'give "class" or "network", not both',
  ),
);

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

// Comparing digests keeps the time taken independent of where the strings differ.
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

async function readTarget(request: Request): Promise<PauseTarget> {
  const text = await request.text();
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HTTPException(400, { message: `the body is not valid JSON: ${reason}` });
  }
  const result = v.safeParse(TargetSchema, body);
  if (!result.success) {
    const issue = result.issues[0];
    const field = issue.path?.map((item) => String(item.key)).join(".");
    if (issue.expected === "never") {
      throw new HTTPException(400, { message: `unknown field "${field}"` });
    }
    throw new HTTPException(400, { message: field ? `${field} ${issue.message}` : issue.message });
  }
  return result.output;
}

function describe(target: PauseTarget): string {
  if (target.network !== undefined) return `network "${target.network}"`;
  if (target.class !== undefined) return `class "${target.class}"`;
  return "all networks";
}

/**
 * `/admin/*`: pause and resume (all, a class, a network), the paused list and
 * the effective config. Every request needs the bearer token; a wrong or
 * missing one is a 401 and changes nothing.
 */
export function adminRoutes(control: AdminControl): Hono {
  const admin = new Hono();
  admin.use("*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !(await sameSecret(match[1]!, control.token))) {
      c.header("WWW-Authenticate", 'Bearer realm="spoke admin"');
      throw new HTTPException(401, {
        message: match
          ? "wrong admin token"
          : "an Authorization: Bearer <admin_token> header is required",
      });
    }
    await next();
  });

  for (const action of ["pause", "resume"] as const) {
    admin.post(`/${action}`, async (c) => {
      const target = await readTarget(c.req.raw);
      const matched = control[action](target);
      if (matched.length === 0 && (target.class !== undefined || target.network !== undefined)) {
        throw new HTTPException(404, {
          message: `no scheduled network matches ${describe(target)}`,
        });
      }
      return c.json({
        [action === "pause" ? "paused" : "resumed"]: matched,
        now: control.paused(),
      });
    });
  }
  admin.get("/paused", (c) => c.json({ paused: control.paused() }));
  admin.get("/config", (c) => c.json({ config: redactSecrets(control.config()) }));
  return admin;
}
