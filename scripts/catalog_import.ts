/**
 * Generates the built-in catalog, `config/catalog/gbfs.json` and
 * `config/catalog/nextbike.json`, from MobilityData's `systems.csv` (the
 * public list of GBFS systems, repository MobilityData/gbfs). Never touches
 * the network: give it the CSV file or a git dir of that repository.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-run=git scripts/catalog_import.ts \
 *   /work/.mirror/MobilityData+gbfs/repo        # or path/to/systems.csv [--commit SHA]
 *   [--out config/catalog]
 * ```
 *
 * Kept: systems whose auto-discovery URL is http(s) and that ask for no
 * authentication. Tags are slugs of the System ID (lower-case ASCII, `-`;
 * the name's slug when the ID is only a number or a hash);
 * when two systems share a slug, the one whose name sorts first keeps it and
 * the others get their name's slug appended, so the result depends on the
 * rows, never on their order. systems.csv has no coordinates: `location`
 * keeps the city and country and the scraper fills the coordinates from the
 * feed.
 */
import { parseArgs } from "node:util";
import { csvObjects } from "./_csv.ts";
import { slugify } from "../src/catalog/slug.ts";

export { slugify };

/** The columns of systems.csv the import reads. */
export const COLUMNS = [
  "Country Code",
  "Name",
  "Location",
  "System ID",
  "Auto-Discovery URL",
  "Authentication Type",
  "Authentication Info URL",
  "Authentication Parameter Name",
] as const;

/** One catalog entry as stored (the class is the file's). */
export interface CatalogEntry {
  tag: string;
  name: string;
  url: string;
  location: { city: string; country: string };
  "city_uid"?: number;
}

/** Where the data comes from and under which licence (CC BY asks for it). */
export interface Attribution {
  title: string;
  author: string;
  repository: string;
  commit: string;
  license: string;
  changes: string;
}

/** A generated catalog file. */
export interface CatalogFile {
  attribution: Attribution;
  networks: CatalogEntry[];
}

/** How many rows were left out, by reason. */
export type Skipped = Record<string, number>;

/** Input the import cannot use; the message says which and why. */
export class CatalogImportError extends Error {
  constructor(message: string) {
    super(`catalog import: ${message}`);
    this.name = "CatalogImportError";
  }
}

/** Whether `text` is an absolute http(s) URL. */
function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

type Row = Record<(typeof COLUMNS)[number], string>;

/**
 * The GBFS catalog of `rows` (systems.csv as objects). `onProgress` is called
 * after each row.
 */
export function gbfsCatalog(
  rows: readonly Record<string, string>[],
  attribution: Attribution,
  onProgress: (done: number, total: number) => void = () => {},
): { file: CatalogFile; skipped: Skipped } {
  const skipped: Skipped = {};
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const kept: Row[] = [];
  rows.forEach((raw, index) => {
    const row = raw as Row;
    const url = row["Auto-Discovery URL"].trim();
    const auth = row["Authentication Type"] + row["Authentication Info URL"] +
      row["Authentication Parameter Name"];
    if (!isHttpUrl(url)) skip("no http(s) auto-discovery URL");
    else if (auth.trim() !== "") skip("authentication required");
    else if (slugify(row["System ID"]) === "" && slugify(row.Name) === "") skip("no usable id");
    else kept.push({ ...row, "Auto-Discovery URL": url });
    onProgress(index + 1, rows.length);
  });

  // Sorted on content, so the tags do not depend on the order of the rows.
  const key = (row: Row) => [slugify(row.Name), row["Auto-Discovery URL"], row["System ID"]];
  kept.sort((a, b) => compareKeys(key(a), key(b)));
  const seenUrls = new Set<string>();
  const unique = kept.filter((row) => {
    const url = row["Auto-Discovery URL"];
    if (seenUrls.has(url)) {
      skip("duplicate auto-discovery URL");
      return false;
    }
    seenUrls.add(url);
    return true;
  });

  const base = (row: Row) => {
    const id = slugify(row["System ID"]);
    // A number or a hash says nothing to a person reading a topic: the name does.
    return id === "" || /^\d+$/.test(id) || /^[0-9a-f-]{16,}$/.test(id) ? slugify(row.Name) : id;
  };
  const firstOf = new Map<string, Row>();
  for (const row of unique) if (!firstOf.has(base(row))) firstOf.set(base(row), row);
  const used = new Set(firstOf.keys());
  const tagOf = new Map<Row, string>();
  for (const [tag, row] of firstOf) tagOf.set(row, tag);
  for (const row of unique) {
    if (tagOf.has(row)) continue;
    const stem = `${base(row)}-${slugify(row.Name)}`.replace(/-+$/, "");
    let tag = stem;
    for (let n = 2; used.has(tag); n++) tag = `${stem}-${n}`;
    used.add(tag);
    tagOf.set(row, tag);
  }

  const networks = unique.map((row): CatalogEntry => ({
    tag: tagOf.get(row)!,
    name: row.Name.trim() || row["System ID"].trim(),
    url: row["Auto-Discovery URL"],
    location: { city: row.Location.trim(), country: row["Country Code"].trim().toUpperCase() },
  })).sort((a, b) => compareKeys([a.tag], [b.tag]));
  return { file: { attribution, networks }, skipped };
}

/**
 * Nextbike cities served from the domain live feed, one network each. Every
 * line is a public fact: the city uid and name from the recorded Nextbike live
 * feed of 2017 (tests/fixtures/nextbike-live-xml-2017, domains de, mr, kg), the
 * domain from systems.csv, where Nextbike publishes each domain's GBFS feed as
 * `nextbike_<domain>` (Leipzig and Wiesbaden have left `de` for `le` and `wn`).
 * Nothing here comes from another project's data files.
 */
export const NEXTBIKE_CITIES: ReadonlyArray<{ domain: string; uid: number; city: string }> = [
  { domain: "le", uid: 1, city: "Leipzig" },
  { domain: "wn", uid: 7, city: "Wiesbaden" },
  { domain: "kg", uid: 14, city: "Köln" },
  { domain: "mr", uid: 129, city: "Dortmund" },
  { domain: "mr", uid: 130, city: "Bochum" },
];

/** The live-feed URL of a Nextbike domain. */
export function nextbikeLiveUrl(domain: string): string {
  return `https://maps.nextbike.net/maps/nextbike-live.json?domains=${domain}`;
}

/**
 * The Nextbike catalog: the cities of {@link NEXTBIKE_CITIES} whose domain
 * systems.csv lists on gbfs.nextbike.net (the rest are reported in `missing`).
 * Tags `nextbike-<city>` must not clash with `takenTags`.
 */
export function nextbikeCatalog(
  rows: readonly Record<string, string>[],
  attribution: Attribution,
  takenTags: ReadonlySet<string>,
): { file: CatalogFile; missing: string[] } {
  const domains = new Map<string, Record<string, string>>();
  for (const row of rows) {
    const match = /^https?:\/\/gbfs\.nextbike\.net\/maps\/gbfs\/v\d+\/nextbike_([a-z0-9]+)\//i
      .exec(row["Auto-Discovery URL"]?.trim() ?? "");
    if (match) domains.set(match[1]!.toLowerCase(), row);
  }
  const missing: string[] = [];
  const networks: CatalogEntry[] = [];
  for (const { domain, uid, city } of NEXTBIKE_CITIES) {
    const row = domains.get(domain);
    if (row === undefined) {
      missing.push(`${city} (domain ${domain})`);
      continue;
    }
    const tag = `nextbike-${slugify(city)}`;
    if (takenTags.has(tag)) {
      throw new CatalogImportError(`Nextbike tag ${tag} is already a GBFS system's tag`);
    }
    const name = row.Location?.trim() === city ? row.Name!.trim() : `${row.Name!.trim()} ${city}`;
    networks.push({
      tag,
      name,
      url: nextbikeLiveUrl(domain),
      location: { city, country: row["Country Code"]!.trim().toUpperCase() },
      "city_uid": uid,
    });
  }
  return { file: { attribution, networks }, missing };
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

/**
 * A catalog file as written: the attribution pretty, one network a line
 * (diffs stay readable, the embedded file stays small).
 */
export function formatCatalog(file: CatalogFile): string {
  const lines = file.networks.map((network) => `    ${JSON.stringify(network)}`);
  const attribution = JSON.stringify(file.attribution, null, 2).replace(/\n/g, "\n  ");
  return `{\n  "attribution": ${attribution},\n  "networks": [\n${lines.join(",\n")}\n  ]\n}\n`;
}

/** systems.csv's text, the commit it comes from and the licence of the repository. */
export interface Source {
  csv: string;
  name: string;
  commit: string;
  license: string;
}

async function git(gitDir: string, ...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("git", {
    args: [`--git-dir=${gitDir}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (code !== 0) {
    throw new CatalogImportError(
      `git --git-dir=${gitDir} ${args.join(" ")} failed: ${decoder.decode(stderr).trim()}`,
    );
  }
  return decoder.decode(stdout);
}

/** The licence named on the first lines of a Creative Commons LICENSE file. */
export function licenseOf(text: string): string | undefined {
  const match = /Attribution (\d\.\d)( Unported| International)?/.exec(text.slice(0, 400));
  return match ? `CC BY ${match[1]}${match[2] ?? ""}` : undefined;
}

/** Reads systems.csv from a file or from a git dir of MobilityData/gbfs (its HEAD). */
export async function readSource(path: string, commit?: string): Promise<Source> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new CatalogImportError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (info.isDirectory) {
    const head = commit ?? (await git(path, "rev-parse", "HEAD")).trim();
    const csv = await git(path, "show", `${head}:systems.csv`);
    const license = licenseOf(await git(path, "show", `${head}:LICENSE`).catch(() => ""));
    return {
      csv,
      name: `${path}@${head}:systems.csv`,
      commit: head,
      license: license ?? "see the repository's LICENSE",
    };
  }
  return {
    csv: await Deno.readTextFile(path),
    name: path,
    commit: commit ?? "unknown",
    license: "see the repository's LICENSE",
  };
}

/** The attribution kept in both files. */
export function attributionFor(source: Source, what: string): Attribution {
  return {
    title: "systems.csv, the list of GBFS systems",
    author: "MobilityData and the contributors of MobilityData/gbfs",
    repository: "https://github.com/MobilityData/gbfs",
    commit: source.commit,
    license: source.license,
    changes: what,
  };
}

/** A progress bar on stderr, redrawn when the percentage changes. */
export function progressBar(label: string, out: { writeSync(p: Uint8Array): number }) {
  const encoder = new TextEncoder();
  let shown = -1;
  return (done: number, total: number) => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (percent === shown) return;
    shown = percent;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const end = done >= total ? "\n" : "";
    out.writeSync(encoder.encode(`\r${label} [${bar}] ${percent}% ${done}/${total}${end}`));
  };
}

/** The command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: "string" }, commit: { type: "string" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    console.error(
      "usage: catalog_import.ts <systems.csv | git dir of MobilityData/gbfs> [--out DIR] [--commit SHA]",
    );
    return values.help ? 0 : 2;
  }
  const out = values.out ?? new URL("../config/catalog/", import.meta.url).pathname;
  try {
    const source = await readSource(positionals[0]!, values.commit);
    const rows = csvObjects(source.csv, COLUMNS, source.name);
    const gbfs = gbfsCatalog(
      rows,
      attributionFor(
        source,
        "Kept the systems with an http(s) Auto-Discovery URL and no authentication; " +
          "kept Name, Location, Country Code and Auto-Discovery URL; tags derived from System ID.",
      ),
      progressBar("systems.csv", Deno.stderr),
    );
    const nextbike = nextbikeCatalog(
      rows,
      attributionFor(
        source,
        "Nextbike domains from the rows on gbfs.nextbike.net; one network per city of the " +
          "domain's live feed (city uids from a public 2017 recording of that feed).",
      ),
      new Set(gbfs.file.networks.map((n) => n.tag)),
    );
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(`${out}/gbfs.json`, formatCatalog(gbfs.file));
    await Deno.writeTextFile(`${out}/nextbike.json`, formatCatalog(nextbike.file));
    const skippedText = Object.entries(gbfs.skipped).map(([why, n]) => `${n} ${why}`).join(", ");
    console.error(
      `gbfs: ${gbfs.file.networks.length} of ${rows.length} systems` +
        (skippedText ? ` (left out: ${skippedText})` : "") +
        `; nextbike: ${nextbike.file.networks.length} cities; written to ${out}`,
    );
    for (const city of nextbike.missing) {
      console.error(`warning: nextbike ${city}: systems.csv no longer lists that domain`);
    }
    return 0;
  } catch (error) {
    if (error instanceof Error && /^(CatalogImportError|CsvError)$/.test(error.name)) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
