import { DelayHistogram } from '../../src/internal/DelayHistogram';
import { HealthWindow, timeWeightedQuantile } from '../../src/health/HealthWindow';

describe('the loop-delay value health judges', () => {
  it('a loop stalled 1 s three times in 10 s amid 50 000 fast iterations reads ~1 s, where a count-weighted p99 reads 0.1 ms', () => {
    const delays = new DelayHistogram();
    delays.recordMany(100, 50_000); // 0.1 ms each: 5 s of fast iterations
    for (let i = 0; i < 3; i++) delays.record(1_000_000);
    expect(delays.stats()!.p99).toBeLessThan(200);
    expect(timeWeightedQuantile(delays, 0.01, 10_000_000)).toBeCloseTo(1_000_000, -4);
  });

  it('an idle loop, and a busy one of short iterations, read as short', () => {
    const idle = new DelayHistogram();
    idle.recordMany(50, 1_000); // 50 ms busy in 10 s
    expect(timeWeightedQuantile(idle, 0.01, 10_000_000)).toBe(0);
    const busy = new DelayHistogram();
    busy.recordMany(2_000, 5_000); // saturated by 2 ms iterations
    expect(timeWeightedQuantile(busy, 0.01, 10_000_000)).toBeCloseTo(2_000, -2);
  });

  it('one 150 ms pause in 10 s is 1.5 % of the time: it is the value', () => {
    const delays = new DelayHistogram();
    delays.recordMany(100, 10_000);
    delays.record(150_000);
    expect(timeWeightedQuantile(delays, 0.01, 10_000_000) / 1e6).toBeCloseTo(0.15, 2);
  });
});

describe('HealthWindow', () => {
  it('keeps its slots: a stall leaves the window once its slot is dropped', () => {
    const window = new HealthWindow(2);
    window.open(0, 0);
    window.slot.delays.record(1_000_000);
    window.slot.gcPauses.record(200_000);
    expect(window.summary(5_000, 3_000, 2_500)).toMatchObject({ delaySeconds: 1, gcTimeShare: 0.04, utilization: 0.4 });
    window.advance(5_000, 3_000);
    expect(window.summary(10_000, 7_000, 2_500)).toMatchObject({ delaySeconds: 1, elapsedMillis: 10_000 });
    window.advance(10_000, 7_000);
    expect(window.summary(15_000, 11_000, 2_500)).toMatchObject({ delaySeconds: 0, gcPauseSeconds: undefined, elapsedMillis: 10_000 });
  });

  it('says nothing before the minimum time has passed', () => {
    const window = new HealthWindow(2);
    window.open(100, 0);
    expect(window.summary(100.5, 0, 500)).toBeUndefined();
  });
});
