/**
 * The old generation and its own limit: what V8 runs out of memory on.
 *
 * V8 aborts the process ("JavaScript heap out of memory") when the old
 * generation cannot grow past its maximum (`--max-old-space-size`). Its
 * `heap_size_limit` is that maximum plus a reserve for the young generation,
 * which V8 sizes from the machine's (or the container's) memory, not from the
 * flag. Measured with `node --max-old-space-size=64 -e
 * "console.log(v8.getHeapStatistics().heap_size_limit)"` on a 24 GiB machine:
 * 112 MiB on Node 22.23, 256 MiB on 24.21, 160 MiB on 26.10; in a 1 GiB
 * cgroup 76, 112 and 88 MiB. So on Node 24 a 64 MiB old generation is full
 * when the heap reads a quarter of `heap_size_limit`, and a check on the whole
 * heap never warns before the crash. Judging the old generation against the
 * flag's value is what holds on every line.
 */
import type { HeapSpaceInfo } from 'node:v8';

const MEBIBYTE = 1024 * 1024;

/** Where the old generation's configured maximum can come from. */
export interface OldGenerationSettings {
  /** The runtime's flags in the order Node applies them: NODE_OPTIONS' first, then the command line's (the later wins). */
  readonly flags: readonly string[];
  /** A Worker's own `resourceLimits.maxOldGenerationSizeMb`, in a worker thread. */
  readonly workerMaxOldGenerationMb?: number;
  /** The memory `--max-old-space-size-percentage` is a share of: the container limit, else the machine's memory. */
  readonly memoryBytes?: number;
}

/** NODE_OPTIONS split as Node splits it: on spaces, with double quotes grouping. */
export function splitNodeOptions(value: string | undefined): string[] {
  if (!value) return [];
  const words: string[] = [];
  for (const match of value.matchAll(/"((?:\\.|[^"\\])*)"|(\S+)/g)) words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]);
  return words;
}

/** The value of the last `--name=value` or `--name value` among `flags`; V8 accepts `_` for `-` in its flag names. */
function lastFlagValue(flags: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i].replace(/_/g, '-');
    if (flag === `--${name}`) value = flags[i + 1];
    else if (flag.startsWith(`--${name}=`)) value = flags[i].slice(name.length + 3);
  }
  return value;
}

function positive(value: string | number | undefined): number | undefined {
  const number = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(number) && number > 0 ? number : undefined;
}

/**
 * Bytes the old generation may grow to, as configured: a Worker's
 * resourceLimits, `--max-old-space-size` (MiB), or
 * `--max-old-space-size-percentage` of `memoryBytes`. Undefined when none is
 * set, when V8 picks the maximum from the memory itself.
 */
export function configuredOldGenerationBytes(settings: OldGenerationSettings): number | undefined {
  const candidates: number[] = [];
  const worker = positive(settings.workerMaxOldGenerationMb);
  if (worker !== undefined) candidates.push(worker * MEBIBYTE);
  const megabytes = positive(lastFlagValue(settings.flags, 'max-old-space-size'));
  if (megabytes !== undefined) candidates.push(Math.floor(megabytes) * MEBIBYTE);
  const percentage = positive(lastFlagValue(settings.flags, 'max-old-space-size-percentage'));
  const memory = positive(settings.memoryBytes);
  if (percentage !== undefined && percentage <= 100 && memory !== undefined) {
    candidates.push(Math.floor((memory * percentage) / 100 / MEBIBYTE) * MEBIBYTE);
  }
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/**
 * The old generation's limit in bytes: the configured maximum where it fits
 * under the whole heap's limit (so a flag that did not take effect is never
 * believed), else the whole heap's limit. Without a flag V8 sizes both from
 * the memory, and the young reserve left in is small beside the limit it
 * picks (48 of 4,144 MiB on Node 22, 192 of 4,288 on 24, 96 of 4,192 on 26
 * here; 12 of 524, 48 of 560, 24 of 536 in a 1 GiB cgroup).
 */
export function oldGenerationLimitBytes(heapSizeLimit: number, configured: number | undefined): number {
  return configured !== undefined && configured <= heapSizeLimit ? configured : heapSizeLimit;
}

/** V8's young generation (scavenged; never what runs out, and right after a major GC not the retained set). */
export const YOUNG_SPACES: ReadonlySet<string> = new Set(['new_space', 'new_large_object_space']);

/** Bytes used in every heap space but the young generation's. */
export function oldGenerationUsedBytes(spaces: readonly HeapSpaceInfo[]): number {
  let used = 0;
  for (const space of spaces) if (!YOUNG_SPACES.has(space.space_name)) used += space.space_used_size;
  return used;
}
