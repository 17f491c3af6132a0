import assert from "node:assert/strict";
import { type KernelSleep, openKernelSleep } from "../../src/schedule/mod.ts";

/** The kernel sleep of this machine; the test task holds the FFI permission for glibc. */
export function kernelSleep(): KernelSleep {
  const opened = openKernelSleep();
  assert.equal(typeof opened, "object", String(opened));
  return opened as KernelSleep;
}
