// `nodevitals report` against the shipped gateway's prometheus exporter: a
// real Collector (collector-config/gateway.yaml) receiving OTLP from a real
// process with a stalled loop, scraped under the Collector's spelling of the names.
import { CollectorProcess, GATEWAY_CONFIG } from './tools/collector';
import { finding, runCli, startServedApp, waitForLines, type JsonReport, type ServedApp } from '../packages/cli/test/helpers/cli';

describe('nodevitals report through the Collector gateway', () => {
  let gateway: CollectorProcess;
  let app: ServedApp;

  beforeAll(async () => {
    gateway = await (await CollectorProcess.create('gateway', GATEWAY_CONFIG)).start();
    app = await startServedApp('stall', 'nodevitals', [], { OTLP_ENDPOINT: `http://${gateway.otlpEndpoint}` });
    await waitForLines(app, 'stalled', 12);
    // The Collector's start, the app's cold start through the TypeScript hook and a dozen stalls, on a loaded machine.
  }, 240_000);

  afterAll(async () => {
    await app?.stop();
    await gateway?.stop();
  });

  it('reads the exporter names and finds the stall: exit 1, delay critical, descriptors read without _value', async () => {
    const url = `http://${gateway.prometheusTarget}/metrics`;
    // The gateway batches for up to 5 s: wait until the app's series are there before sampling.
    const deadline = Date.now() + 30_000;
    while (!(await fetch(url).then((response) => response.text()).catch(() => '')).includes('v8js_gc_duration_seconds_sum')) {
      if (Date.now() > deadline) throw new Error('the gateway never served the app series');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const result = await runCli(['report', url, '--seconds', '12', '--json']);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.naming).toBe('collector');
    expect(result.code).toBe(1);
    expect(finding(report, 'eventLoopDelay').verdict).toBe('critical');
    expect(finding(report, 'fileDescriptors').verdict).toBe('ok');
    expect(report.measurements.openFileDescriptors).toBeGreaterThan(3);
    expect(finding(report, 'heapUsed').verdict).toBe('ok');
    expect(report.measurements.gc).toBeDefined();
  }, 90_000);
});
