/**
 * `process.constrainedMemory()` answers 0 without a limit on some systems and
 * 2^64 (the cgroup's "max") on others, though its docs say 0; no real limit is
 * anywhere near 2^53 bytes (8 PiB), so both mean "no limit".
 */
const NO_LIMIT_FROM = 2 ** 53;

/** The container's memory limit in bytes, or undefined where `constrainedMemory()` says there is none. */
export function realMemoryLimit(constrainedBytes: number | undefined): number | undefined {
  return constrainedBytes !== undefined && Number.isFinite(constrainedBytes) && constrainedBytes > 0 && constrainedBytes < NO_LIMIT_FROM
    ? constrainedBytes
    : undefined;
}
