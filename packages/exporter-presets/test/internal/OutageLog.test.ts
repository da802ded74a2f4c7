import { DiagLogLevel } from '@opentelemetry/api';
import { OutageLog } from '../../src/internal/OutageLog';
import { DiagCapture } from '../helpers/diagCapture';

/** An outage replayed on a clock the test moves: hours of failures in no time. */
function replay(failures: number, everyMillis: number, endpoint = 'http://user:s3cret@collector:4317/?api_key=k3y') {
  let now = 1_000_000;
  const log = new OutageLog(endpoint, () => now);
  const capture = new DiagCapture().install(DiagLogLevel.DEBUG);
  try {
    for (let i = 0; i < failures; i++) {
      log.failed(Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 10.0.0.7:4317. Resolution note: '), { code: 14 }));
      now += everyMillis;
    }
    log.succeeded();
  } finally {
    capture.uninstall();
  }
  return { warnings: capture.warnings(), debug: capture.messages.filter((m) => m.level === 'debug' && /OTLP export to .* failed: /.test(m.text)) };
}

describe('OutageLog', () => {
  it('prints one line to start, at most one a minute, one to end, over a 10-minute outage at a 200 ms interval', () => {
    const { warnings, debug } = replay(3000, 200);
    expect(warnings[0]).toMatch(/failed \(UNAVAILABLE: connect ECONNREFUSED 10\.0\.0\.7:4317\); metrics are dropped until the collector answers/);
    const ongoing = warnings.filter((line) => /still failing after/.test(line));
    // 600 s of failures: one line per full minute after the first, never more.
    expect(ongoing.length).toBeLessThanOrEqual(10);
    expect(ongoing.length).toBeGreaterThanOrEqual(9);
    expect(warnings[warnings.length - 1]).toMatch(/works again after 10 min 0 s; 3000 exports were lost/);
    expect(warnings).toHaveLength(ongoing.length + 2);
    // Every failure stays available at debug level.
    expect(debug).toHaveLength(3000);
  });

  it('never prints the userinfo or query values of the endpoint, at any level', () => {
    const { warnings, debug } = replay(400, 200);
    for (const line of [...warnings, ...debug.map((m) => m.text)]) {
      expect(line).not.toContain('s3cret');
      expect(line).not.toContain('k3y');
    }
  });

  it('says nothing when every export succeeds', () => {
    const capture = new DiagCapture().install(DiagLogLevel.DEBUG);
    const log = new OutageLog('http://collector:4317');
    for (let i = 0; i < 10; i++) log.succeeded();
    capture.uninstall();
    // Only the API's own registration note, nothing of ours.
    expect(capture.messages.filter((m) => !m.text.startsWith('@opentelemetry/api'))).toEqual([]);
  });
});
