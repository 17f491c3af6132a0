import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags every command that reads the config accepts. */
export const configOptions = {
  config: { type: "string", short: "c" },
  "mqtt-port": { type: "string" },
  "http-port": { type: "string" },
  host: { type: "string" },
  "log-level": { type: "string" },
  broker: { type: "string" },
  shard: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/** `node:util` parseArgs, strict, with its errors turned into usage errors. */
export function parseFlags<const T extends ParseArgsConfig["options"]>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
