import { closeSync, fstatSync, fsyncSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { METRICS } from '../../src/catalog';
import { DiagCapture, sleep, startHarness, valueOf } from '../helpers/collect';
import { lastJson, runScenario } from '../helpers/childProcess';
import { fakeRuntime } from '../helpers/fakeRuntime';

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

const processOnlyOptions = { heap: false, gc: false, eventLoop: false, resources: false };

describe('container memory: process.memory.limit and process.memory.available', () => {
  const LIMIT = METRICS.memoryLimit.name;
  const AVAILABLE = METRICS.memoryAvailable.name;
  const GiB = 1024 ** 3;

  async function readWith(limit: number, available: number) {
    const harness = startHarness(
      processOnlyOptions,
      fakeRuntime({ constrainedMemory: () => limit, availableMemory: () => available }),
    );
    try {
      const metrics = await harness.readers[0].metrics();
      return { limit: valueOf(metrics, LIMIT), available: valueOf(metrics, AVAILABLE), reported: metrics.has(LIMIT) };
    } finally {
      await harness.stop();
    }
  }

  it('a container limit (cgroup memory.max of 512 MiB, 100 MiB left) is reported as limit and headroom', async () => {
    expect(await readWith(512 * 1024 ** 2, 100 * 1024 ** 2)).toEqual({
      limit: 512 * 1024 ** 2,
      available: 100 * 1024 ** 2,
      reported: true,
    });
  });

  it.each([
    ['0, as the Node docs describe no limit', 0],
    ['2^64, what an unconstrained cgroup v2 "max" reads as', 2 ** 64],
    ['2^63 - 4096, what cgroup v1 writes for no limit', 2 ** 63 - 4096],
  ])('no limit (%s): no limit series at all, the headroom is still reported', async (_, limit) => {
    expect(await readWith(limit, 20 * GiB)).toEqual({ limit: undefined, available: 20 * GiB, reported: false });
  });

  it('a container resized in place: the new limit shows within a minute, without a cgroup read on every collection', async () => {
    let clock = 0;
    let limit = 512 * 1024 ** 2;
    let limitReads = 0;
    const harness = startHarness(
      processOnlyOptions,
      fakeRuntime({ now: () => clock, constrainedMemory: () => (limitReads++, limit), availableMemory: () => 1 }),
    );
    const reported = async () => valueOf(await harness.readers[0].metrics(), LIMIT);
    try {
      expect(await reported()).toBe(512 * 1024 ** 2);
      const readsAfterStart = limitReads;
      limit = 1024 ** 3;
      clock = 30_000;
      expect(await reported()).toBe(512 * 1024 ** 2);
      clock = 60_000;
      expect(await reported()).toBe(1024 ** 3);
      expect(limitReads - readsAfterStart).toBe(1);
    } finally {
      await harness.stop();
    }
  });

  it('on this machine: the headroom is real memory (above 0, at most the total), and a limit is reported only if there is one', async () => {
    const harness = startHarness(processOnlyOptions);
    try {
      const metrics = await harness.readers[0].metrics();
      const available = valueOf(metrics, AVAILABLE)!;
      expect(available).toBeGreaterThan(0);
      expect(available).toBeLessThanOrEqual(totalmem());
      const limit = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
      expect(valueOf(metrics, LIMIT)).toBe(limit > 0 && limit < 2 ** 53 ? limit : undefined);
    } finally {
      await harness.stop();
    }
  });

  it('a runtime without the APIs skips them with one diag line each; the family stays', async () => {
    const diag = new DiagCapture().install();
    const harness = startHarness(processOnlyOptions, fakeRuntime({ constrainedMemory: undefined, availableMemory: undefined }));
    try {
      const metrics = await harness.readers[0].metrics();
      expect([metrics.has(LIMIT), metrics.has(AVAILABLE), metrics.has(METRICS.cpuTime.name)]).toEqual([false, false, true]);
      expect(diag.matching(/process\.memory\.limit skipped: process\.constrainedMemory\(\) is not available/)).toHaveLength(1);
      expect(diag.matching(/process\.memory\.available skipped: process\.availableMemory\(\) is not available/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await harness.stop();
    }
  });
});

describe('process.memory.virtual, process.thread.count and process.disk.io against /proc', () => {
  /** Threads and VmSize of /proc/self/status (the family reads /proc/self/stat: a second opinion). */
  function stat(): { threads: number; virtualBytes: number } {
    const text = readFileSync('/proc/self/status', 'utf8');
    const field = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)![1]);
    return { threads: field('Threads'), virtualBytes: field('VmSize') * 1024 };
  }
  function io(): { read: number; write: number } {
    const text = readFileSync('/proc/self/io', 'utf8');
    const field = (key: string) => Number(new RegExp(`^${key}: (\\d+)$`, 'm').exec(text)![1]);
    return { read: field('read_bytes'), write: field('write_bytes') };
  }

  it('the thread count is /proc/self/status Threads, and follows a worker thread starting and exiting', async () => {
    const harness = startHarness(processOnlyOptions);
    const threads = async () => valueOf(await harness.readers[0].metrics(), METRICS.threadCount.name)!;
    /** The reported count lies between /proc's count just before and just after (libuv starts threads lazily). */
    const expectMatchesProc = async () => {
      const lower = Math.min(stat().threads, readdirSync('/proc/self/task').length);
      const reported = await threads();
      const upper = Math.max(stat().threads, readdirSync('/proc/self/task').length);
      expect(reported).toBeGreaterThanOrEqual(lower);
      expect(reported).toBeLessThanOrEqual(upper);
      return reported;
    };
    try {
      const before = await expectMatchesProc();
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((resolve) => worker.once('online', resolve));
      expect(await threads()).toBeGreaterThan(before);
      await worker.terminate();
      await sleep(50);
      await expectMatchesProc();
    } finally {
      await harness.stop();
    }
  });

  it('virtual memory is /proc/self/status VmSize (within 2%, mappings move between the two reads) and grows with a 256 MiB mapping', async () => {
    const harness = startHarness(processOnlyOptions);
    const virtual = async () => valueOf(await harness.readers[0].metrics(), METRICS.memoryVirtual.name)!;
    try {
      const reported = await virtual();
      expect(Math.abs(reported - stat().virtualBytes)).toBeLessThan(0.02 * stat().virtualBytes);
      const mapping = new ArrayBuffer(256 * 1024 ** 2);
      expect((await virtual()) - reported).toBeGreaterThan(200 * 1024 ** 2);
      expect(mapping.byteLength).toBeGreaterThan(0);
    } finally {
      await harness.stop();
    }
  });

  it('disk I/O is off by default; with diskIo: true it is /proc/self/io read_bytes and write_bytes and counts an 8 MiB fsync-ed write', async () => {
    const off = startHarness(processOnlyOptions);
    expect((await off.readers[0].metrics()).has(METRICS.diskIo.name)).toBe(false);
    await off.stop();
    const harness = startHarness({ ...processOnlyOptions, diskIo: true });
    const read = async () => {
      const metrics = await harness.readers[0].metrics();
      return {
        read: valueOf(metrics, METRICS.diskIo.name, { 'disk.io.direction': 'read' })!,
        write: valueOf(metrics, METRICS.diskIo.name, { 'disk.io.direction': 'write' })!,
      };
    };
    const dir = mkdtempSync(join(__dirname, '.disk-io-'));
    try {
      const lower = io();
      const reported = await read();
      const upper = io();
      expect(reported.read).toBeGreaterThanOrEqual(lower.read);
      expect(reported.read).toBeLessThanOrEqual(upper.read);
      expect(reported.write).toBeGreaterThanOrEqual(lower.write);
      expect(reported.write).toBeLessThanOrEqual(upper.write);
      const fd = openSync(join(dir, 'data'), 'w');
      writeSync(fd, Buffer.alloc(8 * 1024 * 1024, 1));
      fsyncSync(fd);
      closeSync(fd);
      expect((await read()).write - reported.write).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await harness.stop();
    }
  });

  it('without /proc: virtual memory, threads and disk I/O are skipped with one diag line each; the family stays', async () => {
    const diag = new DiagCapture().install();
    const harness = startHarness(
      { ...processOnlyOptions, diskIo: true },
      fakeRuntime({ processStatus: undefined, diskIo: undefined }),
    );
    try {
      const metrics = await harness.readers[0].metrics();
      expect([METRICS.memoryVirtual, METRICS.threadCount, METRICS.diskIo].map((metric) => metrics.has(metric.name))).toEqual([
        false,
        false,
        false,
      ]);
      expect(metrics.has(METRICS.cpuTime.name)).toBe(true);
      expect(diag.matching(/process\.memory\.virtual, process\.thread\.count skipped: \/proc\/self\/stat is not available/)).toHaveLength(1);
      expect(diag.matching(/process\.disk\.io skipped/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await harness.stop();
    }
  });
});

describe('nodejs.thread.cpu.time (opt-in threadCpu)', () => {
  const THREAD = METRICS.threadCpuTime.name;
  const hasApi = typeof (process as { threadCpuUsage?: unknown }).threadCpuUsage === 'function';

  if (hasApi) {
    it(`on ${process.version}: 300 ms of CPU spent spinning in JavaScript is the thread's (>= 80% of what the process used meanwhile), and the thread never exceeds the process`, async () => {
      const harness = startHarness({ ...processOnlyOptions, threadCpu: true });
      const read = async () => {
        const metrics = await harness.readers[0].metrics();
        const sum = (name: string) =>
          (valueOf(metrics, name, { 'cpu.mode': 'user' }) ?? NaN) + (valueOf(metrics, name, { 'cpu.mode': 'system' }) ?? NaN);
        return { thread: sum(THREAD), process: sum(METRICS.cpuTime.name) };
      };
      try {
        const before = await read();
        // Spin until the process has used 300 ms of CPU, however long a loaded machine takes to give it.
        const start = process.cpuUsage();
        while (process.cpuUsage(start).user < 300_000);
        const after = await read();
        const processUsed = after.process - before.process;
        expect(processUsed).toBeGreaterThanOrEqual(0.3);
        expect(after.thread - before.thread).toBeGreaterThanOrEqual(0.8 * processUsed);
        expect(after.thread).toBeLessThanOrEqual(after.process + 0.01);
      } finally {
        await harness.stop();
      }
    });
  } else {
    it(`on ${process.version} (no process.threadCpuUsage): skipped with one diag line`, async () => {
      const diag = new DiagCapture().install();
      const harness = startHarness({ ...processOnlyOptions, threadCpu: true });
      try {
        expect((await harness.readers[0].metrics()).has(THREAD)).toBe(false);
        expect(diag.matching(/nodejs\.thread\.cpu\.time skipped: process\.threadCpuUsage\(\) is not available/)).toHaveLength(1);
      } finally {
        diag.uninstall();
        await harness.stop();
      }
    });
  }

  it('off by default', async () => {
    const harness = startHarness(processOnlyOptions);
    expect((await harness.readers[0].metrics()).has(THREAD)).toBe(false);
    await harness.stop();
  });
});

describe("libuv's loop counters (opt-in loopCounters)", () => {
  it('count loop turns and handled I/O events: 20 turns of setImmediate and 5 round trips on a 127.0.0.1 socket', async () => {
    const harness = startHarness({ ...processOnlyOptions, loopCounters: true });
    const read = async () => {
      const metrics = await harness.readers[0].metrics();
      return {
        iterations: valueOf(metrics, METRICS.loopIterations.name)!,
        processed: valueOf(metrics, METRICS.loopEventsProcessed.name)!,
        waiting: valueOf(metrics, METRICS.loopEventsWaiting.name)!,
      };
    };
    const server = createServer((socket) => socket.on('data', (data) => socket.write(data)));
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const before = await read();
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      for (let trip = 0; trip < 5; trip++) {
        socket.write('ping');
        await new Promise((resolve) => socket.once('data', resolve));
      }
      socket.destroy();
      const after = await read();
      expect(after.iterations - before.iterations).toBeGreaterThanOrEqual(20);
      // Each round trip is at least a readable event on each end.
      expect(after.processed - before.processed).toBeGreaterThanOrEqual(10);
      expect(after.waiting).toBeLessThanOrEqual(after.processed);
    } finally {
      server.close();
      await harness.stop();
    }
  });

  it('off by default, and skipped with one diag line where Node lacks uvMetricsInfo', async () => {
    const off = startHarness(processOnlyOptions);
    expect((await off.readers[0].metrics()).has(METRICS.loopIterations.name)).toBe(false);
    await off.stop();
    const diag = new DiagCapture().install();
    const harness = startHarness({ ...processOnlyOptions, loopCounters: true }, fakeRuntime({ loopCounters: undefined }));
    try {
      expect((await harness.readers[0].metrics()).has(METRICS.loopIterations.name)).toBe(false);
      expect(diag.matching(/nodejs\.eventloop\.iterations, nodejs\.eventloop\.events\.processed, nodejs\.eventloop\.events\.waiting skipped: performance\.nodeTiming\.uvMetricsInfo is not available/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await harness.stop();
    }
  });
});

describe('a source that starts failing costs only its own series', () => {
  it('/proc files gone and libuv counters throwing after start: the rest of the family reports, counters hold, nothing is thrown', async () => {
    let broken = false;
    const real = fakeRuntime({});
    const failing = <T>(read: () => T) => (): T => {
      if (broken) throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      return read();
    };
    const runtime = fakeRuntime({
      processStatus: failing(real.processStatus!),
      diskIo: failing(real.diskIo!),
      loopCounters: failing(real.loopCounters!),
      availableMemory: failing(real.availableMemory!),
    });
    const harness = startHarness({ ...processOnlyOptions, diskIo: true, loopCounters: true }, runtime);
    try {
      const first = await harness.readers[0].metrics();
      expect(first.has(METRICS.threadCount.name)).toBe(true);
      const iterations = valueOf(first, METRICS.loopIterations.name)!;
      broken = true;
      const after = await harness.readers[0].metrics();
      expect(valueOf(after, METRICS.cpuTime.name, { 'cpu.mode': 'user' })).toBeGreaterThan(0);
      expect(valueOf(after, METRICS.uptime.name)).toBeGreaterThan(0);
      // Counters repeat their last value rather than vanish or go backwards.
      expect(valueOf(after, METRICS.loopIterations.name)).toBe(iterations);
    } finally {
      await harness.stop();
    }
  });
});

describe('nodejs.cpu.count (os.availableParallelism(), on by default)', () => {
  const SCENARIO = join(__dirname, '..', 'scenarios', 'availableParallelism.ts');
  type Reading = { reported: number | undefined; api: number; allowed: string };

  it('in a process started under `taskset -c 0`: 1, the one CPU its affinity mask allows', async () => {
    const [reading] = lastJson<Reading[]>(await runScenario(SCENARIO, { launcher: ['taskset', '-c', '0'] }));
    expect(reading).toEqual({ reported: 1, api: 1, allowed: '0' });
  }, 30_000);

  it(`unpinned, what this machine allows (${availableParallelism()} here); pinned to CPU 0 while running, 1 at the next collection`, async () => {
    const [before, after] = lastJson<Reading[]>(await runScenario(SCENARIO, { args: ['--narrow'] }));
    // Same affinity mask and cgroup as this process: the same count.
    expect(before.reported).toBe(availableParallelism());
    expect(before.reported).toBe(before.api);
    expect(after).toEqual({ reported: 1, api: 1, allowed: '0' });
  }, 30_000);

  it('where the runtime lacks os.availableParallelism(): skipped with one diag line, the rest of the family reports', async () => {
    const diag = new DiagCapture().install();
    const harness = startHarness(processOnlyOptions, fakeRuntime({ availableParallelism: undefined }));
    try {
      const metrics = await harness.readers[0].metrics();
      expect(metrics.has(METRICS.availableParallelism.name)).toBe(false);
      expect(valueOf(metrics, METRICS.uptime.name)).toBeGreaterThan(0);
      expect(diag.matching(/nodejs\.cpu\.count skipped: os\.availableParallelism\(\) is not available/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await harness.stop();
    }
  });
});
