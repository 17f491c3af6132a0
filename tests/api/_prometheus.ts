import assert from "node:assert/strict";

/** name{labels} → value, from a Prometheus text body; checks every line's syntax on the way. */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# HELP ")) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary)$/.exec(line);
    if (type) {
      typed.add(type[1]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a sample line: ${line}`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, "");
    assert.ok(
      typed.has(sample[1]!) || typed.has(family),
      `${sample[1]} has no TYPE before its samples`,
    );
    samples.set(sample[1]! + (sample[2] ?? ""), Number(sample[3]));
  }
  return samples;
}
