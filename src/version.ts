import denoJson from "../deno.json" with { type: "json" };

/** Spoke's version, from deno.json (embedded at build time). */
export const VERSION: string = denoJson.version;
