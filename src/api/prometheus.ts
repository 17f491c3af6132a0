/**
 * A tiny writer of the Prometheus text exposition format (version 0.0.4):
 * `# HELP`, `# TYPE`, then one line per sample. Enough for a handful of
 * families rendered on demand; no registry, no state.
 */

/** One sample of a family: its labels and its value. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** The `Content-Type` Prometheus expects for this format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Label values escape backslash, double quote and newline; HELP escapes backslash and newline.
function escapeLabelValue(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Collects metric families and renders them as one text body. */
export class PrometheusText {
  #lines: string[] = [];
  #names = new Set<string>();
  #taken: ReadonlySet<string>;

  /** `taken`: families another source already renders; adding one of them is a no-op. */
  constructor(taken: ReadonlySet<string> = new Set()) {
    this.#taken = taken;
  }

  /**
   * Adds a family. A family without samples is left out entirely, so an
   * absent part (no broker, no store) does not show up as zeros.
   */
  add(
    name: string,
    type: "counter" | "gauge",
    help: string,
    samples: Sample | readonly Sample[],
  ): this {
    if (!NAME.test(name)) throw new RangeError(`metric name "${name}" is not valid`);
    if (this.#names.has(name)) throw new RangeError(`metric "${name}" added twice`);
    const list = Array.isArray(samples) ? samples : [samples as Sample];
    if (list.length === 0 || this.#taken.has(name)) return this;
    this.#names.add(name);
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const sample of list) {
      this.#lines.push(`${name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
    return this;
  }

  toString(): string {
    return this.#lines.length === 0 ? "" : this.#lines.join("\n") + "\n";
  }
}

/** The family names a Prometheus text declares with `# TYPE`. */
export function familyNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
}

function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels) return "";
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  const parts = entries.map(([key, value]) => {
    if (!LABEL.test(key)) throw new RangeError(`label name "${key}" is not valid`);
    return `${key}="${escapeLabelValue(value)}"`;
  });
  return `{${parts.join(",")}}`;
}
