import { join } from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../src/catalog';
import { NodeRuntimeInstrumentation, startRuntimeMetrics } from '../src/index';
import { runScenario } from './helpers/childProcess';
import { sleep, startHarness, TestReader, valueOf } from './helpers/collect';
import { fakeRuntime } from './helpers/fakeRuntime';
import { trackTimers } from './helpers/timers';

describe('stop() and disable() leave nothing behind', () => {
  // No other timer in this process has either length. Node samples every
  // loop iteration on every line (natively or from the check phase), so the
  // sampler's only timer is its slot rotation, every WINDOW / 6 ms; the
  // RESOLUTION period would be the fallback timer sampler's, never armed on Node.
  const RESOLUTION = 7;
  const WINDOW = 6042;
  const OUR_TIMER = WINDOW / 6;

  it('startRuntimeMetrics().stop() clears our timer and stops every read; twice is harmless', async () => {
    const timers = trackTimers(OUR_TIMER);
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const handle = startRuntimeMetrics({ meterProvider: provider, eventLoopResolutionMillis: RESOLUTION, eventLoopWindowMillis: WINDOW });
    await sleep(30);
    expect(timers.live()).toBe(1); // the event-loop sampler, rescheduled each tick
    const running = valueOf(await reader.metrics(), METRICS.uptime.name)!;
    handle.stop();
    handle.stop();
    expect(timers.live()).toBe(0);
    await sleep(20);
    // The SDK repeats an asynchronous instrument's last cumulative value, but nothing is read any more.
    expect(valueOf(await reader.metrics(), METRICS.uptime.name)).toBe(running);
    timers.stop();
    await provider.shutdown();
  });

  it('enable()/disable() any number of times never doubles a callback or leaks a timer', async () => {
    const timers = trackTimers(OUR_TIMER);
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const instrumentation = new NodeRuntimeInstrumentation({ enabled: false, eventLoopResolutionMillis: RESOLUTION, eventLoopWindowMillis: WINDOW });
    instrumentation.setMeterProvider(provider);
    for (let i = 0; i < 5; i++) {
      instrumentation.enable();
      instrumentation.enable();
      instrumentation.disable();
      instrumentation.disable();
    }
    expect(timers.live()).toBe(0);
    instrumentation.enable();
    const metrics = await reader.metrics();
    expect(metrics.get(METRICS.heapLimit.name)!.dataPoints).toHaveLength(1);
    expect(metrics.get(METRICS.cpuTime.name)!.dataPoints).toHaveLength(2);
    expect(timers.live()).toBe(1);
    instrumentation.disable();
    expect(timers.live()).toBe(0);
    timers.stop();
    await provider.shutdown();
  });

  it('stop() removes every collection callback: no runtime source is read afterwards', async () => {
    let reads = 0;
    const counted = <T extends (...args: never[]) => unknown>(source: T | undefined) =>
      source && ((() => {
        reads++;
        return source();
      }) as unknown as T);
    const real = fakeRuntime({});
    const runtime = fakeRuntime({
      heapStatistics: counted(real.heapStatistics),
      resourceUsage: counted(real.resourceUsage),
      activeResources: counted(real.activeResources),
    });
    const harness = startHarness({ eventLoop: false, gc: false }, runtime);
    await harness.readers[0].metrics();
    const afterOne = reads;
    harness.runtimeMetrics.stop();
    await harness.readers[0].metrics();
    expect(afterOne).toBeGreaterThan(0);
    expect(reads).toBe(afterOne);
    await harness.stop();
  });

  it.each([
    ['left running', []],
    ['stopped', ['--stop']],
  ])('a process whose only remaining work is our instrumentation exits by itself (%s)', async (_case, args) => {
    // A process we held would never exit: 60 s is far past a cold start through the TypeScript hook on a starved
    // machine (5-15 s), and still only the kill tells the two apart.
    const result = await runScenario(join(__dirname, 'scenarios', 'exitsByItself.ts'), { args, timeoutMillis: 60_000 });
    expect(result.signal).toBeNull(); // not killed by the timeout
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('exited');
  }, 90_000);
});
