// Fake immediates installed before nodevitals loads (Jest's and sinon's fake
// timers replace the globals): the check-phase histogram must still sample
// on Node's own immediates and hand the fakes nothing, or a runAll() would
// chase a callback that re-arms itself forever, and the sampler would die
// with the fakes. Prints what the fakes received and what was sampled.
const handedToFakes: unknown[] = [];
const fakeHandle = { unref: () => fakeHandle, ref: () => fakeHandle, hasRef: () => false };
Object.assign(globalThis, {
  setImmediate: (callback: unknown) => {
    handedToFakes.push(callback);
    return fakeHandle;
  },
  clearImmediate: () => {},
});

const realIteration = () => new Promise((resolve) => setTimeout(resolve, 2));

async function main() {
  const { checkPhaseHistograms } = require('../../src/runtime') as typeof import('../../src/runtime');
  const histogram = checkPhaseHistograms()!();
  histogram.enable();
  for (let i = 0; i < 20; i++) await realIteration();
  console.log(JSON.stringify({ handedToFakes: handedToFakes.length, samples: histogram.count }));
  histogram.disable();
}
void main();
