import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Node's own names for diagnostic files (`Heap.20260101.120000.4242.0.001.heapsnapshot`,
 * `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`). V8 names the near-limit
 * files so, and CPU profiles get the same shape: only files named so are
 * counted against the caps, and nothing else in the directory is touched.
 */
const CAPTURE_FILE = /^(?:Heap|CPU)\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d+\.(?:heapsnapshot|heapprofile|cpuprofile)$/;

export interface CaptureFile {
  readonly name: string;
  readonly bytes: number;
  readonly modifiedMillis: number;
  /** The process that wrote it, from its name. */
  readonly pid: number;
}

export interface DirectoryUsage {
  readonly count: number;
  readonly bytes: number;
  /** When the newest capture was written; 0 with none. */
  readonly newestMillis: number;
  readonly files: readonly CaptureFile[];
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The configured directory: created if missing, listed for the caps, written only under names it makes. */
export class CaptureDirectory {
  private sequence = 0;

  constructor(readonly path: string) {}

  /** Creates the directory (owner only: a heap snapshot holds everything the heap held, secrets included). */
  ensure(): void {
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
  }

  /** Our files in the directory now; an unreadable directory counts as empty (the next write fails and says so). */
  usage(): DirectoryUsage {
    const files: CaptureFile[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.path);
    } catch {
      return { count: 0, bytes: 0, newestMillis: 0, files };
    }
    for (const name of names) {
      const match = CAPTURE_FILE.exec(name);
      if (!match) continue;
      try {
        const stats = lstatSync(join(this.path, name));
        if (stats.isFile()) files.push({ name, bytes: stats.size, modifiedMillis: stats.mtimeMs, pid: Number(match[1]) });
      } catch {
        // Removed between the listing and the look: not there.
      }
    }
    return {
      count: files.length,
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
      newestMillis: files.reduce((newest, file) => Math.max(newest, file.modifiedMillis), 0),
      files,
    };
  }

  /** A fresh CPU-profile name, in Node's `--cpu-prof` shape. */
  nextCpuProfileName(now = new Date()): string {
    this.sequence++;
    const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
    const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
    return `CPU.${date}.${time}.${process.pid}.0.${pad(this.sequence, 3)}.cpuprofile`;
  }

  /**
   * Writes `content` under `name` (one of ours) in the directory. A temporary
   * name first, renamed when complete, so a process that dies mid-write never
   * leaves a truncated file that looks like a capture. Returns the path.
   */
  async write(name: string, content: string): Promise<string> {
    if (!CAPTURE_FILE.test(name)) throw new Error(`not a capture file name: ${name}`);
    const target = join(this.path, name);
    const temporary = join(this.path, `.${name}.partial`);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
    await handle.close();
    await rename(temporary, target);
    return target;
  }
}
