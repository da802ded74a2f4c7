// The check-phase histogram on a real loop of whatever Node runs this: an
// idle stretch (how often the main thread is woken, how many samples that
// recorded), then one 50 ms stall timed by the code that stalls. It leaves
// the histogram enabled and prints when its own work ended, so the test can
// see the process exit right after it.
import { performance } from 'node:perf_hooks';
import { checkPhaseHistograms } from '../../src/runtime';
import { mainThreadWakeups as wakeups } from '../helpers/wakeups';

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const checkPhase = () => new Promise((resolve) => setImmediate(resolve));

async function main() {
  const histogram = checkPhaseHistograms()!();
  histogram.enable();
  await sleep(300);
  await checkPhase();
  const samplesBefore = histogram.count;
  const wakeupsBefore = wakeups();
  await sleep(2000);
  const idleSamples = histogram.count - samplesBefore;
  const wakeupsPerSecond = (wakeups() - wakeupsBefore) / 2;

  histogram.reset();
  const stallMillis = await new Promise<number>((resolve) =>
    setTimeout(() => {
      const started = performance.now();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      resolve(performance.now() - started);
    }, 20),
  );
  await checkPhase();
  const maxMillis = histogram.percentile(100) / 1e6;
  console.log(JSON.stringify({ stallMillis, maxMillis, idleSamples, wakeupsPerSecond, doneAt: Date.now() }));
}
void main();
