// The check-phase histogram enabled from inside a request's async context
// (an AsyncLocalStorage store holding a large payload): the chain of
// immediates that re-arms itself every iteration must not carry that context
// for the life of the process. Run with --expose-gc; prints whether the
// store survived two full collections after its request ended, and how many
// iterations were sampled meanwhile.
import { AsyncLocalStorage } from 'node:async_hooks';
import { checkPhaseHistograms } from '../../src/runtime';

const als = new AsyncLocalStorage<{ payload: number[] }>();
const realIteration = () => new Promise((resolve) => setTimeout(resolve, 2));

async function main() {
  const histogram = checkPhaseHistograms()!();
  let store: WeakRef<object> | undefined;
  als.run({ payload: new Array(100_000).fill(1) }, () => {
    store = new WeakRef(als.getStore()!);
    histogram.enable();
  });
  for (let i = 0; i < 20; i++) await realIteration();
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  await realIteration();
  gc();
  console.log(JSON.stringify({ retained: store!.deref() !== undefined, samples: histogram.count }));
  histogram.disable();
}
void main();
