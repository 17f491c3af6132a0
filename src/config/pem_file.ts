import { ConfigError } from "./config_error.ts";

/**
 * Reads a PEM file a `tls` table names (`field` is its config path, e.g. `http.tls.cert`); a path
 * that cannot be read is a config error naming the field. Called once at start-up, before any
 * listener opens, so the synchronous read blocks nothing.
 */
export function readPemFile(path: string, field: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (cause) {
    throw new ConfigError(
      "config",
      `${field} cannot be read: ${cause instanceof Error ? cause.message : cause}, got ${
        JSON.stringify(path)
      }`,
      { path: field, value: path, cause },
    );
  }
}
