import { linesPrintedAcrossAnOutage, outageLines, PROTOCOLS } from './helpers/outageScenario';

/**
 * The same outage as outage.test.ts, 75 s long: about 75 failed exports at
 * the 1 s interval, and one "still failing" line a minute.
 */
const [grpc] = PROTOCOLS;

it('prints at most one line a minute while a collector outage lasts (gRPC, 75 s, ~75 failed exports)', async () => {
  const lines = await linesPrintedAcrossAnOutage(grpc.protocol, grpc.collector, 75_000);
  const { started, ongoing, ended } = outageLines(lines);
  expect(started).toHaveLength(1);
  expect(ongoing).toHaveLength(1);
  expect(ended).toHaveLength(1);
  expect(Number(/(\d+) exports were lost/.exec(ended[0])![1])).toBeGreaterThanOrEqual(30);
  expect(lines).toHaveLength(3);
}, 270_000);
