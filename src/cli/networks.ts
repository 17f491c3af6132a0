import { networkKey, resolveCatalog } from "../catalog/mod.ts";
import { planFor } from "../config/mod.ts";
import { configOptions, parseFlags } from "./args.ts";
import { loadCommandConfig } from "./load.ts";
import { USAGE } from "./usage.ts";

/** `spoke networks`: the networks the config would run, with their schedule. */
export async function networksCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...configOptions, json: { type: "boolean" } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const { config } = await loadCommandConfig(values);
  const networks = resolveCatalog({
    builtin: config.catalog.builtin,
    include: config.catalog.include,
    exclude: config.catalog.exclude,
    networks: config.networks,
  });
  if (values.json) {
    console.log(JSON.stringify(networks, null, 2));
    return 0;
  }
  for (const spec of networks) {
    const plan = planFor(config, spec.class, spec.tag);
    const when = plan.cron ? `cron ${plan.cron}` : `every ${plan.interval}s`;
    const state = plan.enabled ? when : "disabled";
    console.log(`${networkKey(spec).padEnd(40)} ${state.padEnd(16)} ${spec.url}`);
  }
  return 0;
}
