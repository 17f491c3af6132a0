#!/usr/bin/env bash
# Prints the path of an arm64 (aarch64 Linux) deno 2.9.5 taken from npm's
# @deno/linux-arm64-glibc package, to run the bundle under qemu-aarch64.
# Needs: npm, and Debian's qemu-user + libc6-arm64-cross + libgcc-s1-arm64-cross (arm64 loader and libs).
set -euo pipefail
dir=${1:-${TMPDIR:-/tmp}/spoke-arm64-deno}
if [[ ! -x "$dir/package/deno" ]]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent @deno/linux-arm64-glibc@2.9.5 >/dev/null && tar -xzf deno-linux-arm64-glibc-2.9.5.tgz)
fi
echo "$dir/package/deno"
