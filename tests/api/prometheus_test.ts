import assert from "node:assert/strict";
import { PrometheusText } from "../../src/api/prometheus.ts";

Deno.test("PrometheusText escapes label values and HELP, and skips empty families", () => {
  const text = new PrometheusText()
    .add("a_total", "counter", "Line one\nline two \\ done", [
      { labels: { name: 'say "hi"\\\n' }, value: 1 },
    ])
    .add("b", "gauge", "empty", [])
    .add("c", "gauge", "special values", [
      { labels: { v: "nan" }, value: NaN },
      { labels: { v: "inf" }, value: Infinity },
    ])
    .toString();
  assert.equal(
    text,
    [
      "# HELP a_total Line one\\nline two \\\\ done",
      "# TYPE a_total counter",
      'a_total{name="say \\"hi\\"\\\\\\n"} 1',
      "# HELP c special values",
      "# TYPE c gauge",
      'c{v="nan"} NaN',
      'c{v="inf"} +Inf',
      "",
    ].join("\n"),
  );
});

Deno.test("PrometheusText refuses bad names and a family added twice", () => {
  assert.throws(() => new PrometheusText().add("1bad", "gauge", "", { value: 1 }), RangeError);
  assert.throws(
    () => new PrometheusText().add("ok", "gauge", "", { labels: { "bad-label": "x" }, value: 1 }),
    RangeError,
  );
  const text = new PrometheusText().add("x", "gauge", "", { value: 1 });
  assert.throws(() => text.add("x", "gauge", "", { value: 2 }), /added twice/);
});
