/** Temp config files for the config tests: written in a fresh dir, removed after. */

import { join } from "node:path";

/** Writes `text` to `<tempdir>/<name>`, runs `body` with the path, then removes the dir. */
export async function withConfigFile<T>(
  name: string,
  text: string,
  body: (path: string) => Promise<T> | T,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "spoke_config_test_" });
  try {
    const path = join(dir, name);
    await Deno.writeTextFile(path, text);
    return await body(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
