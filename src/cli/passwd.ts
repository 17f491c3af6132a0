import { PasswordFileError, updatePasswordFile } from "../broker/mod.ts";
import { parseFlags, UsageError } from "./args.ts";

const PASSWD_USAGE = `spoke passwd — add, change or delete a user of the broker's password file

Usage: spoke passwd FILE USER          set USER's password (asked twice on a terminal,
                                       else the first line of stdin); FILE is created if missing
       spoke passwd -D FILE USER       delete USER

The file holds one "user:$pbkdf2-sha256$iterations$salt$hash" line per user; point
[mqtt] password_file at it.`;

/** `spoke passwd FILE USER`: writes a salted PBKDF2-SHA256 hash of the password. */
export async function passwdCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    delete: { type: "boolean", short: "D" },
    help: { type: "boolean", short: "h" },
  }, true);
  if (values.help) {
    console.log(PASSWD_USAGE);
    return 0;
  }
  const [file, user] = positionals;
  if (file === undefined || user === undefined || positionals.length > 2) {
    throw new UsageError(`usage: spoke passwd [-D] FILE USER`);
  }
  let text = "";
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) || values.delete) {
      throw new UsageError(`spoke passwd: cannot read ${file}: ${describe(error)}`);
    }
  }
  const password = values.delete ? undefined : await readPassword();
  try {
    text = await updatePasswordFile(text, user, password);
  } catch (error) {
    if (error instanceof PasswordFileError) throw new UsageError(`spoke passwd: ${error.message}`);
    throw error;
  }
  // Owner-only: the hashes are slow to guess, not impossible.
  await Deno.writeTextFile(file, text, { mode: 0o600 });
  console.log(`${values.delete ? "deleted" : "set"} user "${user}" in ${file}`);
  return 0;
}

async function readPassword(): Promise<string> {
  if (Deno.stdin.isTerminal()) {
    const first = promptHidden("Password: ");
    const second = promptHidden("Password again: ");
    if (first !== second) throw new UsageError("spoke passwd: the passwords differ");
    if (first === "") throw new UsageError("spoke passwd: the password must not be empty");
    return first;
  }
  const input = await new Response(Deno.stdin.readable).text();
  const password = input.split(/\r?\n/)[0] ?? "";
  if (password === "") throw new UsageError("spoke passwd: no password on stdin");
  return password;
}

function promptHidden(question: string): string {
  Deno.stdin.setRaw(true);
  try {
    Deno.stdout.writeSync(new TextEncoder().encode(question));
    const bytes: number[] = [];
    const buffer = new Uint8Array(1);
    for (;;) {
      const count = Deno.stdin.readSync(buffer);
      if (count === null || count === 0) break;
      const byte = buffer[0]!;
      if (byte === 13 || byte === 10) break;
      if (byte === 3) throw new UsageError("spoke passwd: cancelled");
      if (byte === 127) bytes.pop();
      else bytes.push(byte);
    }
    Deno.stdout.writeSync(new TextEncoder().encode("\n"));
    return new TextDecoder().decode(new Uint8Array(bytes));
  } finally {
    Deno.stdin.setRaw(false);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
