/**
 * Reads recorded feed files the way the tests' expectations are computed: raw,
 * straight from disk, without going through any code under test.
 */

const roots = [
  new URL("../fixtures/", import.meta.url),
  new URL("../../config/demo/", import.meta.url),
];

/** One raw JSON object of a feed, fields read by name in the tests. */
export type Raw = Record<string, unknown>;

/** Parses `<set>/<file>` from tests/fixtures/ or config/demo/. */
export async function fixtureJson(set: string, file: string): Promise<Raw> {
  for (const root of roots) {
    const url = new URL(`${set}/${file}`, root);
    try {
      return JSON.parse(await Deno.readTextFile(url)) as Raw;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  throw new Error(`fixture ${set}/${file} not found`);
}

/** `data.stations` of a station_information or station_status document. */
export function rawStations(document: Raw): Raw[] {
  return (document.data as { stations: Raw[] }).stations;
}
