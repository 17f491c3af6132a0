/**
 * `deno task bench [NAME…]`: runs the side-by-side benchmarks in this folder
 * (`scripts/bench/<name>.ts`, each comparing Spoke with its anchor on this
 * machine) one after another; without names, every one. Results go to
 * stdout; BENCHMARKS.md keeps the ratios. Everything from the first `--option`
 * on is passed to each benchmark run (`deno task bench soak --minutes 2`).
 */
const here = new URL(".", import.meta.url);
const available: string[] = [];
for await (const entry of Deno.readDir(here)) {
  if (
    entry.isFile && entry.name.endsWith(".ts") && entry.name !== "main.ts" &&
    !entry.name.startsWith("_")
  ) {
    available.push(entry.name.replace(/\.ts$/, ""));
  }
}
available.sort();
const firstOption = Deno.args.findIndex((arg) => arg.startsWith("--"));
const names = firstOption === -1 ? Deno.args : Deno.args.slice(0, firstOption);
const passed = firstOption === -1 ? [] : Deno.args.slice(firstOption);
const wanted = names.length > 0 ? names : available;
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(", ")}; available: ${available.join(", ") || "none"}`,
  );
  Deno.exit(2);
}
if (wanted.length === 0) {
  console.error("no benchmarks in scripts/bench/ yet");
  Deno.exit(2);
}
let failed = 0;
for (const name of wanted) {
  console.log(`== bench ${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`${name}.ts`, here).pathname, ...passed],
  }).spawn().status;
  if (code !== 0) failed++;
}
Deno.exit(failed === 0 ? 0 : 1);
