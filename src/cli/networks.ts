import { inShard, networkKey, parseShard, resolveCatalog } from "../catalog/mod.ts";
import {
  anchoredRegex,
  type Config,
  type EffectivePlan,
  type PlanField,
  planFor,
} from "../config/mod.ts";
import type { NetworkSpec } from "../scrape/mod.ts";
import { scraperClasses } from "../scrape/mod.ts";
import { configOptions, parseFlags, UsageError } from "./args.ts";
import { loadCommandConfig } from "./load.ts";
import { USAGE } from "./usage.ts";

/**
 * `spoke networks [--class C] [--match RE] [--json] [--plan]`: the networks
 * the config would run on this device (catalog filters and shard applied),
 * with their schedule. The list goes to stdout, the count to stderr, so the
 * output pipes cleanly.
 */
export async function networksCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    ...configOptions,
    json: { type: "boolean" },
    plan: { type: "boolean" },
    class: { type: "string" },
    match: { type: "string" },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // Flags are checked before the config is read: a typo costs nothing.
  const wanted = networkFilter(values.class, values.match);
  const { config } = await loadCommandConfig(values);
  const resolved = resolveCatalog({
    builtin: config.catalog.builtin,
    include: config.catalog.include,
    exclude: config.catalog.exclude,
    networks: config.networks,
  });
  const shard = config.catalog.shard === "" ? undefined : parseShard(config.catalog.shard);
  const networks = resolved.filter((spec) =>
    (shard === undefined || inShard(networkKey(spec), shard)) && wanted(spec)
  );
  console.error(`${networks.length} network(s)${countByClass(networks)}`);
  if (values.plan) {
    const plans = networks.map((spec) => ({
      key: networkKey(spec),
      plan: planFor(config, spec.class, spec.tag),
    }));
    if (values.json) console.log(JSON.stringify(plans, null, 2));
    else for (const { key, plan } of plans) console.log(describePlan(config, key, plan));
    return 0;
  }
  if (values.json) {
    console.log(JSON.stringify(networks, null, 2));
    return 0;
  }
  for (const spec of networks) {
    const plan = planFor(config, spec.class, spec.tag);
    const when = plan.cron ? `cron ${plan.cron}` : `every ${plan.interval}s`;
    const state = plan.enabled ? when : "disabled";
    // Its cities are found at run time: the entry stands for `<tag>-<city>` networks.
    const each = spec.each_city === true ? "  (each city: <tag>-<city>)" : "";
    console.log(`${networkKey(spec).padEnd(40)} ${state.padEnd(16)} ${spec.url}${each}`);
  }
  return 0;
}

/**
 * The `--class` and `--match` filter: `--class` names a class exactly (any
 * case); `--match` is an anchored regular expression on `<class>::<tag>`, the
 * language of `[[rules]] match` and `[catalog] include`, so a rule's pattern
 * can be tried here first. A bad value is a {@link UsageError}.
 */
export function networkFilter(
  cls: string | undefined,
  match: string | undefined,
): (spec: NetworkSpec) => boolean {
  const wantedClass = cls?.toLowerCase();
  if (wantedClass !== undefined && !scraperClasses().includes(wantedClass)) {
    throw new UsageError(
      `flag --class: unknown class "${cls}"; the classes are ${scraperClasses().join(", ")}`,
    );
  }
  let regex: RegExp | undefined;
  if (match !== undefined) {
    try {
      // Alone first: `a)|(?:b` compiles only once wrapped, and would lose its anchors.
      new RegExp(match);
      regex = anchoredRegex(match);
    } catch (error) {
      throw new UsageError(
        `flag --match: not a regular expression, got "${match}" (${(error as Error).message})`,
      );
    }
  }
  return (spec) =>
    (wantedClass === undefined || spec.class === wantedClass) &&
    (regex === undefined || regex.test(networkKey(spec)));
}

function countByClass(networks: readonly NetworkSpec[]): string {
  const counts = new Map<string, number>();
  for (const spec of networks) counts.set(spec.class, (counts.get(spec.class) ?? 0) + 1);
  if (counts.size === 0) return "";
  return ` (${[...counts].map(([cls, n]) => `${n} ${cls}`).join(", ")})`;
}

/**
 * One network's effective plan, a field a line, each with the rule that set
 * it (`rules[2] "gbfs::.*"`) or `default`.
 */
export function describePlan(config: Config, key: string, plan: EffectivePlan): string {
  const applied = plan.rules.map((index) =>
    `[${index}] ${JSON.stringify(config.rules[index]!.match)}`
  );
  const lines = [
    `${key}  ${applied.length === 0 ? "no rule matches" : `rules: ${applied.join(", ")}`}`,
  ];
  const fields: Array<[PlanField, unknown]> = [
    ["enabled", plan.enabled],
    ...(plan.cron === undefined ? [["interval", `${plan.interval} s`] as [PlanField, unknown]] : [
      ["cron", plan.cron] as [PlanField, unknown],
      ["timezone", plan.timezone ?? "local"] as [PlanField, unknown],
    ]),
    ["jitter", `${plan.jitter} s`],
    ["run_at_start", plan.runAtStart],
    ["priority", plan.priority],
    ["queue", plan.queue],
    ["concurrency.system", plan.concurrency.system],
    ["concurrency.network", plan.concurrency.network],
    ["timeout", `${plan.timeout} s`],
    ["stale_after", `${plan.staleAfter} s`],
    ["retries", plan.retries],
    ["backoff", `${plan.backoff} s`],
    ["backoff_max", `${plan.backoffMax} s`],
    ["prevent_requeue", `${plan.preventRequeue} s`],
    ["breaker.failures", plan.breaker.failures],
    ["breaker.backoff", `${plan.breaker.backoff} s`],
    ["breaker.max", `${plan.breaker.max} s`],
  ];
  for (const [field, value] of fields) {
    const index = plan.setBy[field];
    const source = index === undefined ? "default" : `rules[${index}]`;
    lines.push(`  ${field.padEnd(20)} ${String(value).padEnd(24)} ${source}`);
  }
  return lines.join("\n");
}
