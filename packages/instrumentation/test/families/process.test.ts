import { closeSync, openSync, readdirSync } from 'node:fs';
import { METRICS } from '../../src/catalog';
import { startHarness, valueOf } from '../helpers/collect';

// The descriptor count is read with one stat of /proc/self/fd where the kernel
// reports the count as its size (Linux 6.2+), else by listing it: both must
// give what the listing says, and follow descriptors as they open and close.
describe('process.unix.file_descriptor.count', () => {
  const listed = () => readdirSync('/proc/self/fd').length - 1;

  it('equals the open descriptors listed in /proc/self/fd and follows opens and closes', async () => {
    const harness = startHarness({ heap: false, gc: false, eventLoop: false, resources: false });
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
});
