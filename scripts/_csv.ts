/**
 * A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF or LF,
 * newlines inside quotes): enough for MobilityData's systems.csv without a
 * dependency.
 */

/** A CSV document that cannot be read; the message names the line. */
export class CsvError extends Error {
  constructor(readonly source: string, readonly line: number, reason: string) {
    super(`csv ${source}:${line}: ${reason}`);
    this.name = "CsvError";
  }
}

/** One record and the line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Splits `text` into records of fields; blank lines are skipped. */
export function parseCsv(text: string, source = "input"): CsvRecord[] {
  const records: CsvRecord[] = [];
  let recordStartLine = 1;
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let fieldStartLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a BOM is not part of the first header
  const endRecord = () => {
    record.push(field);
    if (!(record.length === 1 && record[0] === "")) {
      records.push({ fields: record, line: recordStartLine });
    }
    record = [];
    field = "";
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        const next = text[i + 1];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
          throw new CsvError(
            source,
            line,
            `unexpected ${JSON.stringify(next)} after a closing quote`,
          );
        }
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"') {
      if (field !== "") {
        throw new CsvError(source, line, `quote inside an unquoted field ${JSON.stringify(field)}`);
      }
      quoted = true;
      fieldStartLine = line;
    } else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      recordStartLine = line;
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new CsvError(source, fieldStartLine, "quoted field never closed");
  if (field !== "" || record.length > 0) endRecord();
  return records;
}

/**
 * Records as objects keyed by the header row; every header in `required` must
 * be there and every record must have as many fields as the header.
 */
export function csvObjects(
  text: string,
  required: readonly string[],
  source = "input",
): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text, source);
  if (header === undefined) throw new CsvError(source, 1, "empty file: no header row");
  const names = header.fields.map((name) => name.trim());
  const missing = required.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new CsvError(
      source,
      1,
      `missing column(s) ${missing.map((m) => JSON.stringify(m)).join(", ")}; header is ${
        names.map((m) => JSON.stringify(m)).join(", ")
      }`,
    );
  }
  return rows.map(({ fields, line }) => {
    if (fields.length !== names.length) {
      throw new CsvError(source, line, `${fields.length} field(s), the header has ${names.length}`);
    }
    return Object.fromEntries(names.map((name, column) => [name, fields[column]!]));
  });
}
