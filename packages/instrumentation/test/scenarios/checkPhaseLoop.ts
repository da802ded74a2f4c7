// The check-phase histogram on a real loop of whatever Node runs this: an
// idle stretch (how often the main thread is woken, how many samples that
// recorded), then three 50 ms stalls timed by the code that stalls. It leaves
// the histogram enabled and prints when its own work ended, so the test can
// see the process exit right after it.
import { performance } from 'node:perf_hooks';
import { checkPhaseHistograms } from '../../src/runtime';
import { mainThreadWakeups as wakeups } from '../helpers/wakeups';

/** Long enough that the sleep's own wake-up and a stray task V8 posts stay under one a second. */
const IDLE_SECONDS = 4;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const checkPhase = () => new Promise((resolve) => setImmediate(resolve));

async function main() {
  const histogram = checkPhaseHistograms()!();
  histogram.enable();
  await sleep(300);
  await checkPhase();
  const samplesBefore = histogram.count;
  const wakeupsBefore = wakeups();
  await sleep(IDLE_SECONDS * 1000);
  const idleSamples = histogram.count - samplesBefore;
  const wakeupsPerSecond = (wakeups() - wakeupsBefore) / IDLE_SECONDS;

  // Three stalls, each read alone: the sample spans the stall plus the rest of its iteration, which a busy
  // machine can stretch by preempting this thread there; a sampler that is wrong is wrong every time.
  const stalls: { stallMillis: number; maxMillis: number }[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    histogram.reset();
    const stallMillis = await new Promise<number>((resolve) =>
      setTimeout(() => {
        const started = performance.now();
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        resolve(performance.now() - started);
      }, 20),
    );
    await checkPhase();
    stalls.push({ stallMillis, maxMillis: histogram.percentile(100) / 1e6 });
  }
  console.log(JSON.stringify({ stalls, idleSeconds: IDLE_SECONDS, idleSamples, wakeupsPerSecond, doneAt: Date.now() }));
}
void main();
