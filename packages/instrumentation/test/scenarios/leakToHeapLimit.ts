// Arms diagnostics, prints what they did, then leaks until V8 runs out of heap.
// Arguments: <directory> <maxCaptures> <maxBytes> <minIntervalSeconds>
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { startDiagnostics } from '../../src/index';

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.INFO);
const [directory, maxCaptures, maxBytes, minIntervalSeconds] = process.argv.slice(2).map((arg, index) => (index === 0 ? arg : Number(arg)));
const handle = startDiagnostics({
  directory: directory as string,
  captures: ['heap-snapshot'],
  maxCaptures: maxCaptures as number,
  maxBytes: maxBytes as number,
  minIntervalSeconds: minIntervalSeconds as number,
});
console.log(JSON.stringify(handle.counts()));
const retained: object[] = [];
setInterval(() => {
  for (let i = 0; i < 2000; i++) retained.push({ id: i, name: `item-${retained.length}`, tags: [i % 7, i % 13] });
}, 1);
