/**
 * glibc through Deno's FFI: where it lives, the one permission that reaches
 * it, and opening it for a few symbols. Spoke calls libc for what Deno has no
 * API for (giving the C heap back, sleeping to the microsecond) and works
 * without it, only less well; every caller says why when it cannot.
 */

/**
 * Where glibc lives on the Linux systems Spoke runs on (Debian and Raspberry
 * Pi OS, x86_64 and aarch64). Absolute paths, so the permission can be this
 * narrow: `--allow-ffi=<these>` (a bare "libc.so.6" would be read relative to
 * the working directory).
 */
export const LIBC_PATHS = [
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
] as const;

/** The `--allow-ffi` flag that lets Spoke load glibc, and nothing else. */
export const ALLOW_FFI_FLAG = `--allow-ffi=${LIBC_PATHS.join(",")}`;

/**
 * Opens glibc for `symbols`, or says why not (not Linux, no permission, no
 * glibc at the usual paths).
 */
export function openLibc<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): Deno.DynamicLibrary<S> | string {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  const reasons: string[] = [];
  for (const path of LIBC_PATHS) {
    try {
      return Deno.dlopen(path, symbols);
    } catch (error) {
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        return `no permission to load ${path} (run with ${ALLOW_FFI_FLAG})`;
      }
      reasons.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return `no glibc found (${reasons.join("; ")})`;
}
