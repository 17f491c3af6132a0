import { configure, getTextFormatter, type LogLevel, reset } from "@logtape/logtape";

const formatter = getTextFormatter({ timestamp: "date-time-tz", value: "bare" });

/**
 * Logs of every room go to stderr, so stdout stays for what a command prints
 * (`spoke sub` lines, `spoke networks --json`).
 */
export async function setupLogging(level: LogLevel): Promise<void> {
  await reset();
  await configure({
    reset: true,
    sinks: { stderr: (record) => console.error(formatter(record).trimEnd()) },
    loggers: [
      { category: ["spoke"], lowestLevel: level, sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
