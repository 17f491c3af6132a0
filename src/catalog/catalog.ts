import type { NetworkSpec } from "../scrape/mod.ts";
import builtinGbfs from "../../config/catalog/gbfs.json" with { type: "json" };

/** Which networks to run: the built-in ones, the user's, and filters on `<class>::<tag>`. */
export interface CatalogOptions {
  builtin: boolean;
  /** Anchored regexes; when given, only networks matching one of them are kept (`[]` keeps none). */
  include?: readonly string[];
  /** Anchored regexes; matching networks are dropped. */
  exclude?: readonly string[];
  /** User networks; one with the tag of a built-in network replaces it. */
  networks?: readonly NetworkSpec[];
}

/** The networks Spoke ships with, from `config/catalog/` (embedded at build time). */
export function builtinNetworks(): NetworkSpec[] {
  return builtinGbfs.networks.map((network) => ({ ...network }));
}

/** `<class>::<tag>`, the name rules and filters match against. */
export function networkKey(spec: Pick<NetworkSpec, "class" | "tag">): string {
  return `${spec.class}::${spec.tag}`;
}

/** The network list a run works on, in a stable order. */
export function resolveCatalog(options: CatalogOptions): NetworkSpec[] {
  const byTag = new Map<string, NetworkSpec>();
  if (options.builtin) { for (const spec of builtinNetworks()) byTag.set(spec.tag, spec); }
  for (const spec of options.networks ?? []) byTag.set(spec.tag, spec);
  const include = options.include?.map(anchored);
  const exclude = (options.exclude ?? []).map(anchored);
  return [...byTag.values()].filter((spec) => {
    const key = networkKey(spec);
    if (include && !include.some((re) => re.test(key))) return false;
    return !exclude.some((re) => re.test(key));
  });
}

function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}
