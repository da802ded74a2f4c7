// Fake timers a test installs after the metrics started (Node's own
// mock.timers here; Jest's and sinon's replace the same globals) must neither
// capture the check-phase callback (a tick or runAll that never returns, a
// sampler dead once they are gone) nor turn it into a busy loop.
import { mock } from 'node:test';
import { checkPhaseHistograms } from '../../src/runtime';

const realIteration = () => new Promise((resolve) => setTimeout(resolve, 2));

async function main() {
  const histogram = checkPhaseHistograms()!();
  histogram.enable();
  await realIteration();
  mock.timers.enable({ apis: ['setImmediate'] });
  const countBefore = histogram.count;
  for (let i = 0; i < 20; i++) await realIteration();
  const recordedWhileFaked = histogram.count - countBefore;
  const started = performance.now();
  mock.timers.tick(1);
  mock.timers.runAll();
  const fakeTimersMillis = performance.now() - started;
  mock.timers.reset();
  const countAfterReset = histogram.count;
  for (let i = 0; i < 20; i++) await realIteration();
  const recordedAfterReset = histogram.count - countAfterReset;
  const cpu = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const used = process.cpuUsage(cpu);
  const idleCpuMillis = (used.user + used.system) / 1000;
  console.log(JSON.stringify({ recordedWhileFaked, fakeTimersMillis, recordedAfterReset, idleCpuMillis, doneAt: Date.now() }));
}
void main();
