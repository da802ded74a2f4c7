// Saturates the event loop in episodes (busy work in short slices, so timers
// still run and utilization is measured for real), with diagnostics reading a
// stand-in transition source driven by that measurement. Prints one JSON line
// when its work is done, then lets the process end by itself.
// Arguments: <directory> <episode seconds,...> [profile seconds] [sustained seconds] [remove-directory]
import { rmSync } from 'node:fs';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTRIBUTES, METRICS } from '../../src/catalog';
import { startDiagnostics } from '../../src/index';
import { TestReader } from '../helpers/collect';
import { UtilizationTransitions } from '../helpers/utilizationTransitions';

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.INFO);
const [directory, episodesArg, profileSeconds = '2', sustainedSeconds = '1', fault] = process.argv.slice(2);
const episodes = episodesArg.split(',').map(Number);
const transitions = new UtilizationTransitions();
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const handle = startDiagnostics(
  {
    meterProvider,
    directory,
    captures: ['cpu-profile'],
    cpuProfileSeconds: Number(profileSeconds),
    sustainedSeconds: Number(sustainedSeconds),
    minIntervalSeconds: 600,
  },
  transitions,
);

// The directory gone after the start: every write fails.
if (fault === 'remove-directory') rmSync(directory, { recursive: true, force: true });

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** Busy for `seconds`, in 20 ms slices with a turn of the loop between them. */
async function saturate(seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const slice = Date.now() + 20;
    let x = 0;
    while (Date.now() < slice) x += Math.sqrt(x + 1);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

void (async () => {
  for (const seconds of episodes) {
    await saturate(seconds);
    // Idle long enough for utilization to be measured low: the episode ends.
    await sleep(1000);
  }
  // The capture series as a reader collects it: value by outcome, for the cpu-profile kind.
  const series: Record<string, number> = {};
  for (const point of (await reader.metrics()).get(METRICS.diagnosticsCaptures.name)?.dataPoints ?? []) {
    if (point.attributes[ATTRIBUTES.diagnosticsCapture] === 'cpu-profile') series[String(point.attributes[ATTRIBUTES.diagnosticsOutcome])] = point.value as number;
  }
  await meterProvider.shutdown();
  console.log(JSON.stringify({ doneAtMillis: Date.now(), counts: handle.counts(), series, transitions: transitions.announced.map((t) => t.to) }));
})();
