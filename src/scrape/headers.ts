/**
 * Per-network request headers from the config (`[[rules]] headers`), with
 * `${NAME}` taken from the environment, so an API key lives in the service's
 * environment and not in the config file. Values are secrets: an error names
 * the header and the variable, never the value.
 */

/** A header that cannot be sent: bad name, bad value, or a variable that is not set. */
export class HeaderError extends Error {
  /** The header's name as configured. */
  readonly header: string;

  constructor(header: string, reason: string) {
    super(`header ${header}: ${reason}`);
    this.name = "HeaderError";
    this.header = header;
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Returns the headers with every `${NAME}` replaced by `lookup(NAME)`
 * (`Deno.env.get` by default). `$${` is a literal `${`. Throws a
 * {@link HeaderError} for a name that is not an HTTP token, a variable that is
 * not set, or a value with a line break (header injection).
 */
export function expandHeaders(
  headers: Readonly<Record<string, string>>,
  lookup: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Record<string, string> {
  const expanded: Record<string, string> = {};
  for (const [name, template] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new HeaderError(name, "is not a valid header name");
    const value = template.split("$${").map((part) =>
      part.replace(VARIABLE, (_, variable: string) => {
        const found = lookup(variable);
        if (found === undefined) {
          throw new HeaderError(name, `environment variable ${variable} is not set`);
        }
        return found;
      })
    ).join("${");
    if (/[\r\n\0]/.test(value)) {
      throw new HeaderError(name, "value holds a line break or NUL (after expansion)");
    }
    expanded[name] = value;
  }
  return expanded;
}
