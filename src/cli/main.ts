import { AclError, PasswordFileError, PersistenceError } from "../broker/mod.ts";
import { ConfigError } from "../config/mod.ts";
import { StoreError } from "../store/mod.ts";
import { VERSION } from "../version.ts";
import { UsageError } from "./args.ts";
import { brokerCommand } from "./broker.ts";
import { configCheckCommand } from "./config_check.ts";
import { demoCommand } from "./demo.ts";
import { networksCommand } from "./networks.ts";
import { passwdCommand } from "./passwd.ts";
import { runCommand } from "./run.ts";
import { selftestCommand } from "./selftest.ts";
import { subCommand } from "./sub.ts";
import { USAGE } from "./usage.ts";

const commands: Record<string, (args: string[]) => Promise<number>> = {
  run: runCommand,
  broker: brokerCommand,
  passwd: passwdCommand,
  demo: demoCommand,
  sub: subCommand,
  networks: networksCommand,
  selftest: selftestCommand,
  version: () => {
    console.log(`spoke ${VERSION}`);
    return Promise.resolve(0);
  },
  config: (args) => {
    if (args[0] !== "check") throw new UsageError("usage: spoke config check FILE");
    return configCheckCommand(args.slice(1));
  },
};

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
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error.message);
      return error.exitCode;
    }
    // Files a config points at (password, ACL, databases) are bad input too: one line, exit 2.
    if (
      error instanceof AclError || error instanceof PasswordFileError ||
      error instanceof PersistenceError || error instanceof StoreError
    ) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}
