import { loadConfig } from "../config/mod.ts";
import { parseFlags, UsageError } from "./args.ts";

/** `spoke config check FILE`: validates and says so; a bad file exits 2 with the reason. */
export async function configCheckCommand(args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {}, true);
  const [file, ...rest] = positionals;
  if (!file || rest.length > 0) throw new UsageError("usage: spoke config check FILE");
  const { config } = await loadConfig({ file, env: {} });
  console.log(
    `config ${file}: ok (${config.networks.length} networks, ${config.rules.length} rules)`,
  );
  return 0;
}
