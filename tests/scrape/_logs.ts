/** Captures what the scrape room logs while a test's code runs. */
import { configure, type LogRecord, reset } from "@logtape/logtape";

export async function captureLogs<T>(
  run: () => Promise<T>,
): Promise<{ result: T; records: LogRecord[] }> {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record: LogRecord) => records.push(record) },
    loggers: [
      { category: ["spoke", "scrape"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
    reset: true,
  });
  try {
    return { result: await run(), records };
  } finally {
    await reset();
  }
}
