// Arms diagnostics, prints what they did, then leaks until V8 runs out of heap.
// Arguments: <directory> <maxCaptures> <maxBytes> <minIntervalSeconds> [captures, comma-separated]
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { startDiagnostics, type CaptureKind } from '../../src/index';

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.INFO);
const [directory, maxCaptures, maxBytes, minIntervalSeconds, captures = 'heap-snapshot'] = process.argv.slice(2);
const handle = startDiagnostics({
  directory,
  captures: captures.split(',') as CaptureKind[],
  maxCaptures: Number(maxCaptures),
  maxBytes: Number(maxBytes),
  minIntervalSeconds: Number(minIntervalSeconds),
});
console.log(JSON.stringify(handle.counts()));
const retained: object[] = [];
setInterval(() => {
  for (let i = 0; i < 2000; i++) retained.push({ id: i, name: `item-${retained.length}`, tags: [i % 7, i % 13] });
}, 1);
