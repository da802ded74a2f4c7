import { join } from 'node:path';
import { configuredOldGenerationBytes, oldGenerationLimitBytes, splitNodeOptions } from '../../src/internal/oldGeneration';
import { lastJson, runScenario } from '../helpers/childProcess';

const MIB = 1024 * 1024;
const SCENARIO = join(__dirname, '..', 'scenarios', 'oldGenerationLimit.ts');

describe('the old generation limit: what V8 runs out of memory on', () => {
  it('reads --max-old-space-size as Node applies it: NODE_OPTIONS first, the command line last, either spelling', () => {
    const flags = (nodeOptions: string, execArgv: string[] = []) => [...splitNodeOptions(nodeOptions), ...execArgv];
    expect(configuredOldGenerationBytes({ flags: flags('--max-old-space-size=512') })).toBe(512 * MIB);
    expect(configuredOldGenerationBytes({ flags: flags('--max_old_space_size=96') })).toBe(96 * MIB);
    expect(configuredOldGenerationBytes({ flags: flags('--max-old-space-size 200') })).toBe(200 * MIB);
    expect(configuredOldGenerationBytes({ flags: flags('--max-old-space-size=100', ['--max-old-space-size=64']) })).toBe(64 * MIB);
    expect(configuredOldGenerationBytes({ flags: flags('--require "/a b/c.js" --max-old-space-size=300') })).toBe(300 * MIB);
    // Nothing set, or nothing usable: V8 picked the limit, and the heap limit stands in.
    expect(configuredOldGenerationBytes({ flags: flags('--max-semi-space-size=16 --enable-source-maps') })).toBeUndefined();
    expect(configuredOldGenerationBytes({ flags: flags('--max-old-space-size=lots') })).toBeUndefined();
    expect(configuredOldGenerationBytes({ flags: flags('--max-old-space-size=-5') })).toBeUndefined();
  });

  it('reads --max-old-space-size-percentage of the memory, and a worker\'s own maxOldGenerationSizeMb', () => {
    expect(configuredOldGenerationBytes({ flags: ['--max-old-space-size-percentage=25'], memoryBytes: 2048 * MIB })).toBe(512 * MIB);
    expect(configuredOldGenerationBytes({ flags: ['--max-old-space-size-percentage=250'], memoryBytes: 2048 * MIB })).toBeUndefined();
    expect(configuredOldGenerationBytes({ flags: [], workerMaxOldGenerationMb: 48 })).toBe(48 * MIB);
    // A worker without limits of its own reports V8's default in resourceLimits while the process flag applies.
    expect(configuredOldGenerationBytes({ flags: ['--max-old-space-size=64'], workerMaxOldGenerationMb: 4096 })).toBe(64 * MIB);
  });

  it('believes a configured maximum only where it fits under the heap limit', () => {
    expect(oldGenerationLimitBytes(256 * MIB, 64 * MIB)).toBe(64 * MIB);
    expect(oldGenerationLimitBytes(256 * MIB, undefined)).toBe(256 * MIB);
    // A flag that did not take effect (set after start, or overridden): never a limit above the heap's.
    expect(oldGenerationLimitBytes(256 * MIB, 1024 * MIB)).toBe(256 * MIB);
  });

  describe(`in real processes on ${process.version}`, () => {
    it('--max-old-space-size=64 on the command line: 64 MiB, where the heap limit adds the young generation\'s reserve', async () => {
      const result = lastJson<{ oldGenerationLimit: number; heapLimit: number }>(
        await runScenario(SCENARIO, { nodeArgs: ['--max-old-space-size=64'] }),
      );
      expect(result.oldGenerationLimit).toBe(64 * MIB);
      // 112 MiB on Node 22, 256 on 24, 160 on 26 here: the gap is what a whole-heap check would miss.
      expect(result.heapLimit).toBeGreaterThan(64 * MIB);
    });

    it('the same flag through NODE_OPTIONS', async () => {
      const previous = process.env.NODE_OPTIONS;
      process.env.NODE_OPTIONS = '--max-old-space-size=80';
      try {
        const result = lastJson<{ oldGenerationLimit: number; heapLimit: number }>(await runScenario(SCENARIO));
        expect(result.oldGenerationLimit).toBe(80 * MIB);
        expect(result.heapLimit).toBeGreaterThan(80 * MIB);
      } finally {
        if (previous === undefined) delete process.env.NODE_OPTIONS;
        else process.env.NODE_OPTIONS = previous;
      }
    });

    it('no flag: the heap limit V8 picked from the memory', async () => {
      const result = lastJson<{ oldGenerationLimit: number; heapLimit: number }>(await runScenario(SCENARIO));
      expect(result.oldGenerationLimit).toBe(result.heapLimit);
    });

    it('inside a worker started with resourceLimits: its own maxOldGenerationSizeMb', async () => {
      const previous = process.env.IN_WORKER;
      process.env.IN_WORKER = '48';
      try {
        const result = lastJson<{ oldGenerationLimit: number; heapLimit: number }>(await runScenario(SCENARIO));
        expect(result.oldGenerationLimit).toBe(48 * MIB);
        expect(result.heapLimit).toBeGreaterThan(48 * MIB);
      } finally {
        if (previous === undefined) delete process.env.IN_WORKER;
        else process.env.IN_WORKER = previous;
      }
    });
  });
});
