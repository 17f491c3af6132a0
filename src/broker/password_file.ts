/**
 * Password files for the broker: one `user:$pbkdf2-sha256$<iterations>$<salt>$<hash>` line per
 * user (salt and hash in base64), hashed with PBKDF2-SHA256 through WebCrypto. A fresh random
 * salt per entry means equal passwords never share a hash; verification compares in constant
 * time so the time taken does not reveal how much of a guess was right.
 */

import { fromBase64, toBase64 } from "./_base64.ts";

const SCHEME = "pbkdf2-sha256";
/** Iterations for new entries: slow enough to make guessing expensive, quick on a Pi at connect. */
export const PASSWORD_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** One user's stored password hash. */
export interface PasswordEntry {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

/**
 * A password file line or file that cannot be read; says which line and why.
 *
 * @example
 * ```ts
 * import { Broker, PasswordFileError } from "./mod.ts";
 *
 * try {
 *   new Broker({ passwords: "alice:plain-text\n" });
 * } catch (error) {
 *   if (error instanceof PasswordFileError) console.log(error.message); // "password file line 1: …"
 * }
 * ```
 */
export class PasswordFileError extends Error {
  /** A file the user points at is bad: the CLI exits with this code. */
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = "PasswordFileError";
  }
}

const utf8 = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/** Hashes `password` with a new random salt. */
export async function hashPassword(
  password: string,
  iterations: number = PASSWORD_ITERATIONS,
): Promise<PasswordEntry> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { iterations, salt, hash: await derive(password, salt, iterations) };
}

/** Whether `password` matches `entry`, compared in constant time. */
export async function verifyPassword(entry: PasswordEntry, password: string): Promise<boolean> {
  const candidate = await derive(password, entry.salt, entry.iterations);
  if (candidate.byteLength !== entry.hash.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < candidate.byteLength; i++) difference |= candidate[i]! ^ entry.hash[i]!;
  return difference === 0;
}

/** The file line for `user`. */
export function formatPasswordLine(user: string, entry: PasswordEntry): string {
  return `${user}:$${SCHEME}$${entry.iterations}$${toBase64(entry.salt)}$${toBase64(entry.hash)}`;
}

/** Parses a password file; throws {@linkcode PasswordFileError} naming the bad line. */
export function parsePasswordFile(
  text: string,
  source = "password file",
): Map<string, PasswordEntry> {
  const entries = new Map<string, PasswordEntry>();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = `${source} line ${index + 1}`;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new PasswordFileError(`${where}: expected user:hash, got "${line}"`);
    const user = line.slice(0, colon);
    const parts = line.slice(colon + 1).split("$");
    // "$scheme$iterations$salt$hash" splits into ["", scheme, iterations, salt, hash]
    const iterations = Number(parts[2]);
    if (
      parts.length !== 5 || parts[0] !== "" || parts[1] !== SCHEME ||
      !Number.isInteger(iterations) || iterations < 1
    ) {
      throw new PasswordFileError(
        `${where}: hash of "${user}" must be $${SCHEME}$<iterations>$<salt>$<hash>`,
      );
    }
    let salt: Uint8Array;
    let hash: Uint8Array;
    try {
      salt = fromBase64(parts[3]!);
      hash = fromBase64(parts[4]!);
    } catch {
      throw new PasswordFileError(`${where}: salt or hash of "${user}" is not base64`);
    }
    if (hash.byteLength !== HASH_BYTES || salt.byteLength === 0) {
      throw new PasswordFileError(`${where}: hash of "${user}" must be ${HASH_BYTES} bytes`);
    }
    entries.set(user, { iterations, salt, hash });
  }
  return entries;
}

/**
 * Sets (or with `password` undefined, removes) `user` in password file `text`; returns the new
 * text, other lines kept as they were. Throws `PasswordFileError` for a bad user name or file.
 *
 * @example
 * ```ts
 * import { Broker, updatePasswordFile } from "./mod.ts";
 *
 * const passwords = await updatePasswordFile("", "alice", "wonderland");
 * const broker = new Broker({ port: 0, passwords, allowAnonymous: false });
 * await broker.close();
 * ```
 */
export async function updatePasswordFile(
  text: string,
  user: string,
  password: string | undefined,
): Promise<string> {
  if (user === "" || user.includes(":") || /\s/.test(user)) {
    throw new PasswordFileError(
      `user name must be non-empty, without ':' or spaces, got "${user}"`,
    );
  }
  parsePasswordFile(text); // refuse to rewrite a file that is already broken
  const kept = text.split(/\r?\n/).filter((line) => {
    const trimmed = line.trim();
    return trimmed !== "" && !trimmed.startsWith(`${user}:`);
  });
  if (password !== undefined) kept.push(formatPasswordLine(user, await hashPassword(password)));
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}
