/** What a secret is replaced with. */
export const REDACTED = "[redacted]";

const SECRET_KEY = /token|password|passwd|secret|credential/i;

/**
 * A deep copy of `value` with its secrets replaced: the value of any key that
 * names a secret (`admin_token`, `password`, …) and the password inside any
 * URL (`mqtts://user:pass@host` → `mqtts://user:[redacted]@host`). Empty
 * strings stay empty, so a reader can still tell "not set" from "set".
 */
export function redactSecrets(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (value !== "" && SECRET_KEY.test(key)) return REDACTED;
    return redactUrlPassword(value);
  }
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, key));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, redactSecrets(item, name)]),
    );
  }
  return value;
}

function redactUrlPassword(text: string): string {
  // Only strings that look like URLs with credentials are touched.
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(text)) return text;
  const url = URL.parse(text);
  if (!url || url.password === "") return text;
  url.password = REDACTED;
  return url.toString().replace(encodeURIComponent(REDACTED), REDACTED);
}
