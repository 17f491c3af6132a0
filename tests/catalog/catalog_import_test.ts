import assert from "node:assert/strict";
import {
  attributionFor,
  COLUMNS,
  formatCatalog,
  gbfsCatalog,
  licenseOf,
  NEXTBIKE_CITIES,
  nextbikeCatalog,
  nextbikeLiveUrl,
  slugify,
} from "../../scripts/catalog_import.ts";
import { CsvError, csvObjects, parseCsv } from "../../scripts/_csv.ts";

const SCRIPT = new URL("../../scripts/catalog_import.ts", import.meta.url).pathname;
const HEADER =
  "Country Code,Name,Location,System ID,URL,Auto-Discovery URL,Supported Versions,Authentication Info URL,Authentication Type,Authentication Parameter Name";

// Every case the import must handle, in the shape of systems.csv.
const ROWS = [
  'US,Citi Bike,"New York, NY",lyft_nyc,https://citibikenyc.com,https://gbfs.citibikenyc.com/gbfs/2.3/gbfs.json,2.3,,,',
  "FR,Citiz La Rochelle,La Rochelle,citiz_la_rochelle,https://citiz.coop/,https://backend.citiz.fr/18/gbfs.json,3.0,,,",
  "FR,Yélo,La Rochelle,citiz_la_rochelle,https://yelo.fr/,https://opendata.example.fr/yelo/gbfs.json,3.0,,,",
  "FI,Joe Rauma,Rauma,475,https://joe.example,https://joe.example/gbfs?id=475,2.2,,,",
  "FR,Voi V'Lônes,Lyon,voi_V'Lônes,https://voi.com,https://api.voiapp.io/406/gbfs.json,2.3,,,",
  "NO,Dott Bodø,Bodø,dott-bodø,https://ridedott.com/,https://gbfs.api.ridedott.com/public/v2/bodo/gbfs.json,2.3,,,",
  "US,Secret Bikes,Nowhere,secret,https://secret.example,https://secret.example/gbfs.json,2.3,https://secret.example/key,api_key,key",
  "US,Only Headers,Nowhere,headers_only,https://h.example,https://h.example/gbfs.json,2.3,,http_header,",
  "US,FTP Bikes,Nowhere,ftp_bikes,https://ftp.example,ftp://ftp.example/gbfs.json,2.3,,,",
  "US,No Feed,Nowhere,no_feed,https://nofeed.example,,2.3,,,",
  "US,Citi Bike Again,New York,lyft_nyc_copy,https://citibikenyc.com,https://gbfs.citibikenyc.com/gbfs/2.3/gbfs.json,2.3,,,",
  "DE,KVB Rad,Cologne,nextbike_kg,https://www.kvb-rad.de/,https://gbfs.nextbike.net/maps/gbfs/v2/nextbike_kg/gbfs.json,2.3,,,",
  "DE,nextbike Leipzig,Leipzig,nextbike_le,https://www.nextbike.de/leipzig/,https://gbfs.nextbike.net/maps/gbfs/v2/nextbike_le/gbfs.json,2.3,,,",
];
const CSV = `${HEADER}\r\n${ROWS.join("\r\n")}\r\n`;

const attribution = attributionFor(
  { csv: CSV, name: "test", commit: "0".repeat(40), license: "CC BY 3.0 Unported" },
  "test",
);

function fieldsOf(line: string): Record<string, string> {
  const [header] = parseCsv(HEADER);
  const [record] = parseCsv(line);
  return Object.fromEntries(header!.fields.map((name, i) => [name, record!.fields[i]!]));
}

Deno.test("slugify() gives lower-case ASCII slugs", () => {
  assert.equal(slugify("lyft_nyc"), "lyft-nyc");
  assert.equal(slugify("voi_V'Lônes"), "voi-vlones");
  assert.equal(slugify("dott-bodø"), "dott-bodo");
  assert.equal(slugify("dott-łeba"), "dott-leba");
  assert.equal(slugify("zeus_freiburg im breisgau"), "zeus-freiburg-im-breisgau");
  assert.equal(slugify("  --Straße--  "), "strasse");
  assert.equal(slugify("!!!"), "");
});

Deno.test("parseCsv() reads quoted fields, doubled quotes, CRLF and newlines inside quotes", () => {
  const records = parseCsv('a,"b, c","say ""hi"""\r\n"two\nlines",x,\n\n');
  assert.deepEqual(records, [
    { fields: ["a", "b, c", 'say "hi"'], line: 1 },
    { fields: ["two\nlines", "x", ""], line: 2 },
  ]);
});

Deno.test("parseCsv() and csvObjects() refuse bad CSV naming the line", () => {
  assert.throws(() => parseCsv('a,b\n"open,c\n', "x.csv"), (error: unknown) => {
    assert.ok(error instanceof CsvError);
    assert.equal(error.message, "csv x.csv:2: quoted field never closed");
    return true;
  });
  assert.throws(
    () => parseCsv('a,"b"c\n', "x.csv"),
    /csv x\.csv:1: unexpected "c" after a closing quote/,
  );
  assert.throws(
    () => parseCsv('a,b"c\n', "x.csv"),
    /csv x\.csv:1: quote inside an unquoted field "b"/,
  );
  assert.throws(() => csvObjects("", COLUMNS, "x.csv"), /csv x\.csv:1: empty file: no header row/);
  assert.throws(
    () => csvObjects("Name,URL\nA,b\n", COLUMNS, "x.csv"),
    /csv x\.csv:1: missing column\(s\) "Country Code", "Location", "System ID"/,
  );
  assert.throws(
    () => csvObjects(`${HEADER}\n${ROWS[0]}\nUS,short\n`, COLUMNS, "x.csv"),
    /csv x\.csv:3: 2 field\(s\), the header has 10/,
  );
});

Deno.test("gbfsCatalog() keeps open http(s) systems with unique tags, whatever the row order", () => {
  const rows = csvObjects(CSV, COLUMNS);
  const progress: Array<[number, number]> = [];
  const { file, skipped } = gbfsCatalog(rows, attribution, (done, total) => {
    progress.push([done, total]);
  });
  assert.deepEqual(progress.at(-1), [rows.length, rows.length]);
  assert.equal(progress.length, rows.length);

  const open = ROWS.map(fieldsOf).filter((row) =>
    /^https?:\/\//.test(row["Auto-Discovery URL"]!) &&
    `${row["Authentication Type"]}${row["Authentication Info URL"]}${
        row["Authentication Parameter Name"]
      }` === ""
  );
  const urls = [...new Set(open.map((row) => row["Auto-Discovery URL"]))];
  assert.deepEqual(file.networks.map((n) => n.url).sort(), urls.sort());
  assert.deepEqual(skipped, {
    "authentication required": 2,
    "no http(s) auto-discovery URL": 2,
    "duplicate auto-discovery URL": open.length - urls.length,
  });

  const byName = new Map(file.networks.map((n) => [n.name, n]));
  assert.equal(byName.get("Citi Bike")?.tag, "lyft-nyc");
  assert.deepEqual(byName.get("Citi Bike")?.location, { city: "New York, NY", country: "US" });
  // Two systems with the same id: the name that sorts first keeps the slug.
  assert.equal(byName.get("Citiz La Rochelle")?.tag, "citiz-la-rochelle");
  assert.equal(byName.get("Yélo")?.tag, "citiz-la-rochelle-yelo");
  // A bare number says nothing: the name's slug instead.
  assert.equal(byName.get("Joe Rauma")?.tag, "joe-rauma");
  assert.equal(byName.get("Voi V'Lônes")?.tag, "voi-vlones");
  assert.equal(byName.get("Dott Bodø")?.tag, "dott-bodo");
  const tags = file.networks.map((n) => n.tag);
  assert.equal(new Set(tags).size, tags.length);
  assert.deepEqual(tags, [...tags].sort());
  for (const tag of tags) assert.match(tag, /^[a-z0-9][a-z0-9-]*$/);
  assert.deepEqual(file.attribution, attribution);

  const reversed = gbfsCatalog([...rows].reverse(), attribution).file;
  assert.deepEqual(reversed, file);
});

Deno.test("nextbikeCatalog() lists the cities of domains systems.csv has on gbfs.nextbike.net", () => {
  const rows = csvObjects(CSV, COLUMNS);
  const { file, missing } = nextbikeCatalog(rows, attribution, new Set(["lyft-nyc"]));
  const domains = new Set(
    ROWS.map(fieldsOf).map((row) => /nextbike_([a-z]+)\//.exec(row["Auto-Discovery URL"]!)?.[1]),
  );
  const listed = NEXTBIKE_CITIES.filter((city) => domains.has(city.domain));
  assert.deepEqual(file.networks.map((n) => n.city_uid), listed.map((c) => c.uid));
  assert.deepEqual(file.networks.map((n) => n.url), listed.map((c) => nextbikeLiveUrl(c.domain)));
  assert.deepEqual(
    missing,
    NEXTBIKE_CITIES.filter((c) => !domains.has(c.domain)).map((c) =>
      `${c.city} (domain ${c.domain})`
    ),
  );
  const leipzig = file.networks.find((n) => n.city_uid === 1)!;
  assert.equal(leipzig.tag, "nextbike-leipzig");
  assert.equal(leipzig.name, "nextbike Leipzig");
  assert.deepEqual(leipzig.location, { city: "Leipzig", country: "DE" });
  assert.equal(file.networks.find((n) => n.city_uid === 14)?.name, "KVB Rad Köln");
  assert.throws(
    () => nextbikeCatalog(rows, attribution, new Set(["nextbike-leipzig"])),
    /catalog import: Nextbike tag nextbike-leipzig is already a GBFS system's tag/,
  );
});

Deno.test("formatCatalog() writes JSON that reads back the same, one network a line", () => {
  const { file } = gbfsCatalog(csvObjects(CSV, COLUMNS), attribution);
  const text = formatCatalog(file);
  assert.deepEqual(JSON.parse(text), file);
  const networkLines = text.split("\n").filter((line) => line.startsWith('    {"tag"'));
  assert.equal(networkLines.length, file.networks.length);
});

Deno.test("licenseOf() reads the Creative Commons licence of a LICENSE file", () => {
  assert.equal(
    licenseOf("Creative Commons Legal Code\n\nAttribution 3.0 Unported\n"),
    "CC BY 3.0 Unported",
  );
  assert.equal(
    licenseOf("Attribution 4.0 International Public License"),
    "CC BY 4.0 International",
  );
  assert.equal(licenseOf("MIT License"), undefined);
});

async function runImport(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run=git", SCRIPT, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("git", {
    args: ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout).trim();
}

Deno.test("catalog_import.ts reads a git dir's HEAD, writes both files and draws progress", async () => {
  const work = await Deno.makeTempDir();
  try {
    const repo = `${work}/gbfs`;
    await Deno.mkdir(repo);
    await git(repo, "init", "-q");
    await Deno.writeTextFile(`${repo}/systems.csv`, CSV);
    await Deno.writeTextFile(
      `${repo}/LICENSE`,
      "Creative Commons Legal Code\n\nAttribution 3.0 Unported\n",
    );
    await git(repo, "add", "systems.csv", "LICENSE");
    await git(repo, "commit", "-q", "-m", "systems");
    const head = await git(repo, "rev-parse", "HEAD");

    const { code, stderr } = await runImport([`${repo}/.git`, "--out", `${work}/out`]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /systems\.csv \[#+\] 100% 13\/13\n/);
    const gbfs = JSON.parse(await Deno.readTextFile(`${work}/out/gbfs.json`));
    const expected = gbfsCatalog(csvObjects(CSV, COLUMNS), attribution).file.networks;
    assert.deepEqual(gbfs.networks, expected);
    assert.equal(gbfs.attribution.commit, head);
    assert.equal(gbfs.attribution.license, "CC BY 3.0 Unported");
    assert.match(stderr, new RegExp(`gbfs: ${expected.length} of ${ROWS.length} systems`));
    const nextbike = JSON.parse(await Deno.readTextFile(`${work}/out/nextbike.json`));
    assert.deepEqual(nextbike.networks.map((n: { tag: string }) => n.tag), [
      "nextbike-leipzig",
      "nextbike-koln",
    ]);
    // The domains gone from systems.csv are reported, not silently dropped.
    assert.match(stderr, /warning: nextbike Dortmund \(domain mr\): systems\.csv no longer lists/);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("catalog_import.ts refuses a missing file or a bad CSV and writes nothing", async () => {
  const work = await Deno.makeTempDir();
  try {
    const missing = await runImport([`${work}/nope.csv`, "--out", `${work}/out`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`catalog import: cannot read ${work}/nope\\.csv`));

    await Deno.writeTextFile(`${work}/bad.csv`, `${HEADER}\n"unclosed,row\n`);
    const bad = await runImport([`${work}/bad.csv`, "--out", `${work}/out`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`csv ${work}/bad\\.csv:2: quoted field never closed`));

    const usage = await runImport([]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: catalog_import\.ts/);

    await assert.rejects(Deno.stat(`${work}/out`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
