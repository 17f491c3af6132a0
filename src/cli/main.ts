import { VERSION } from "../version.ts";
import { UsageError } from "./args.ts";
import { USAGE } from "./usage.ts";

type Command = (args: string[]) => Promise<number>;

// Each command loads its own modules when it runs: `spoke broker` on a Pi should not hold the
// scrapers, the catalog and the HTTP server in memory (about 6 MB of heap and mapped code).
const commands: Record<string, Command> = {
  run: async (args) => (await import("./run.ts")).runCommand(args),
  broker: async (args) => (await import("./broker.ts")).brokerCommand(args),
  passwd: async (args) => (await import("./passwd.ts")).passwdCommand(args),
  demo: async (args) => (await import("./demo.ts")).demoCommand(args),
  sub: async (args) => (await import("./sub.ts")).subCommand(args),
  networks: async (args) => (await import("./networks.ts")).networksCommand(args),
  selftest: async (args) => (await import("./selftest.ts")).selftestCommand(args),
  version: () => {
    console.log(`spoke ${VERSION}`);
    return Promise.resolve(0);
  },
  config: async (args) => {
    if (args[0] !== "check") throw new UsageError("usage: spoke config check FILE");
    return (await import("./config_check.ts")).configCheckCommand(args.slice(1));
  },
};

/**
 * Errors of the user's making (a bad config, flag, password file, ACL or database) carry the exit
 * code the CLI ends with; they are told in one line, without a stack.
 */
function userErrorExitCode(error: unknown): number | undefined {
  if (!(error instanceof Error) || !("exitCode" in error)) return undefined;
  return typeof error.exitCode === "number" ? error.exitCode : undefined;
}

/** Runs one command line; returns the exit code. Errors of the user's making exit 2 with one line. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`spoke: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    const exitCode = userErrorExitCode(error);
    if (exitCode === undefined) throw error;
    console.error((error as Error).message);
    return exitCode;
  }
}

// The program's entry: `deno run … src/cli/main.ts ARGS` (the tasks, the bundle and the binary)
// loads only the command line, where mod.ts would load every room first.
if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
