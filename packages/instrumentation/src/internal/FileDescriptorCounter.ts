import { closeSync, fstatSync, openSync, readdirSync, statSync, type Stats } from 'node:fs';

/** Counts the process's open descriptors; `close()` releases what counting holds open. */
export interface FileDescriptorCounter {
  count(): number;
  close(): void;
}

const FD_DIRECTORY = '/proc/self/fd';

function listOpenFileDescriptors(): number {
  // The listing itself holds one descriptor open while it reads.
  return readdirSync(FD_DIRECTORY).length - 1;
}

/** Since Linux 6.2 the size of /proc/self/fd is the number of open descriptors. */
function sizeIsCount(): boolean {
  try {
    return statSync(FD_DIRECTORY).size > 0;
  } catch {
    return false;
  }
}

/**
 * Counts with one `fstat` of a descriptor of /proc/self/fd kept open between
 * collections. Resolving the path walks procfs on every call, which costs far
 * more than the stat itself once the kernel's caches have gone cold between
 * two scrapes (whole read set 219 -> 151 us median in an interleaved A/B of
 * idle processes taking turns on a 2-core VM; single calls are too noisy there
 * to show it, see docs/benchmarks.md); the kept
 * descriptor is one of the open descriptors it counts. If that descriptor is
 * closed behind our back and its number reused, the identity check notices:
 * the number is forgotten, never closed or counted, and counting goes back to
 * the path.
 */
class ProcFdCounter implements FileDescriptorCounter {
  private fd: number | undefined;
  private readonly dev: number;
  private readonly ino: number;

  constructor() {
    const fd = openSync(FD_DIRECTORY, 'r');
    const stats = fstatSync(fd);
    this.fd = fd;
    this.dev = stats.dev;
    this.ino = stats.ino;
  }

  count(): number {
    return (this.ours() ?? statSync(FD_DIRECTORY)).size;
  }

  close(): void {
    const fd = this.fd;
    if (this.ours()) closeSync(fd!);
    this.fd = undefined;
  }

  /** fstat of the kept descriptor while it still is the directory we opened; else it is forgotten. */
  private ours(): Stats | undefined {
    if (this.fd === undefined) return undefined;
    try {
      const stats = fstatSync(this.fd);
      if (stats.ino === this.ino && stats.dev === this.dev && stats.isDirectory()) return stats;
    } catch {
      // closed behind our back
    }
    this.fd = undefined;
    return undefined;
  }
}

const LISTING: FileDescriptorCounter = { count: listOpenFileDescriptors, close: () => undefined };
const PATH_STAT: FileDescriptorCounter = { count: () => statSync(FD_DIRECTORY).size, close: () => undefined };

/** The cheapest counter this kernel and process allow; never throws. */
export function openFileDescriptorCounter(): FileDescriptorCounter {
  if (!sizeIsCount()) return LISTING;
  try {
    return new ProcFdCounter();
  } catch {
    // no descriptor to spare (EMFILE): stat the path on every count
    return PATH_STAT;
  }
}
