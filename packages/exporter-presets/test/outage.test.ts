import { linesPrintedAcrossAnOutage, outageLines, PROTOCOLS } from './helpers/outageScenario';

/**
 * A collector outage as an operator lives it: the app runs under the
 * zero-code entry with a 1 s interval, the collector goes away for 4 s
 * (about 4 failed exports), then comes back. What the app prints is
 * what they read.
 */
describe.each(PROTOCOLS)('a collector outage over $protocol, under the zero-code entry', ({ protocol, collector }) => {
  it('is one line when it starts and one when it ends, with the count of lost exports; no stack trace', async () => {
    const lines = await linesPrintedAcrossAnOutage(protocol, collector, 4000);
    const { started, ended } = outageLines(lines);
    expect(started).toHaveLength(1);
    // Where (the endpoint), why (an error in a few words), and what happens next.
    expect(started[0]).toContain('127.0.0.1');
    expect(started[0]).toMatch(/metrics are dropped until the collector answers/);
    expect(ended).toHaveLength(1);
    expect(Number(/(\d+) exports were lost/.exec(ended[0])![1])).toBeGreaterThanOrEqual(2);
    // Nothing else: no per-export line, no stack trace, no upstream print of the same failure.
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/^\s+at /m);
    // The app's start, deliveries before the outage, the outage and the recovery, each bounded by its own wait.
  }, 240_000);
});
