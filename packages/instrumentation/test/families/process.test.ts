import { closeSync, fstatSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { METRICS } from '../../src/catalog';
import { startHarness, valueOf } from '../helpers/collect';

// The descriptor count is read with one fstat of a kept /proc/self/fd
// descriptor where the kernel reports the count as the directory's size
// (Linux 6.2+), else by listing it: either way it must give what the listing
// says (our own descriptor included), follow descriptors as they open and
// close, and leave nothing open once stopped.
describe('process.unix.file_descriptor.count', () => {
  const listed = () => readdirSync('/proc/self/fd').length - 1;
  const processOnly = { heap: false, gc: false, eventLoop: false, resources: false };
  /** Our descriptors that point at this process's own fd directory. */
  const fdDirectoryDescriptors = () =>
    readdirSync('/proc/self/fd')
      .map(Number)
      .filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === `/proc/${process.pid}/fd`;
        } catch {
          return false; // the listing's own descriptor, closed by now
        }
      });

  it('equals the open descriptors listed in /proc/self/fd and follows opens and closes', async () => {
    const harness = startHarness(processOnly);
    const count = async () => valueOf(await harness.readers[0].metrics(), METRICS.fileDescriptors.name);
    try {
      const before = await count();
      expect(before).toBe(listed());
      const opened = Array.from({ length: 5 }, () => openSync(__filename, 'r'));
      expect(await count()).toBe(before! + 5);
      for (const fd of opened) closeSync(fd);
      expect(await count()).toBe(before);
    } finally {
      await harness.stop();
    }
  });

  it('holds at most one descriptor while running and none after stop', async () => {
    const before = listed();
    const harness = startHarness(processOnly);
    await harness.readers[0].metrics();
    expect(listed() - before).toBeLessThanOrEqual(1);
    await harness.stop();
    expect(listed()).toBe(before);
  });

  it('a kept descriptor closed behind its back and reused is neither counted as ours nor closed by stop()', async () => {
    const before = new Set(fdDirectoryDescriptors());
    const harness = startHarness(processOnly);
    const count = async () => valueOf(await harness.readers[0].metrics(), METRICS.fileDescriptors.name);
    let reused: number | undefined;
    let stopped = false;
    try {
      await count();
      const kept = fdDirectoryDescriptors().filter((fd) => !before.has(fd));
      // Kernels older than 6.2 count by listing and keep nothing open.
      if (kept.length === 0) return;
      expect(kept).toHaveLength(1);
      closeSync(kept[0]); // an application closing descriptors it does not own
      reused = openSync(__filename, 'r'); // most likely gets the same number
      expect(await count()).toBe(listed());
      stopped = true;
      await harness.stop();
      expect(() => fstatSync(reused!)).not.toThrow(); // still open: stop() closed only what was ours
    } finally {
      if (!stopped) await harness.stop();
      if (reused !== undefined) closeSync(reused);
    }
  });
});
