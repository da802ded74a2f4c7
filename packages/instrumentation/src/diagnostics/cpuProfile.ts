import { Session } from 'node:inspector';

export interface CpuProfileRun {
  /** The profile as `.cpuprofile` JSON, or undefined when cancelled. Never rejects with a throw into the host: errors reject it. */
  readonly done: Promise<string | undefined>;
  /** Stops now and discards the profile. */
  cancel(): void;
}

/**
 * A CPU profile of `durationMillis` through an in-process inspector session
 * (`Profiler.start`/`Profiler.stop`), as Chrome DevTools takes one. The wait
 * is an unref'd timer, so a process that ends mid-profile ends on time (and
 * the profile is lost); the sampling runs on V8's profiler thread.
 */
export function takeCpuProfile(durationMillis: number): CpuProfileRun {
  const session = new Session();
  let timer: NodeJS.Timeout | undefined;
  let settle: (value: string | undefined) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  let finished = false;
  const finish = (): void => {
    finished = true;
    if (timer) clearTimeout(timer);
    try {
      session.disconnect();
    } catch {
      // Already disconnected.
    }
  };
  const post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  const done = new Promise<string | undefined>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const run = async (): Promise<void> => {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
    if (finished) return;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, durationMillis);
      timer.unref();
      // cancel() clears this timer and settles `done` itself; this wait is then simply dropped.
    });
    if (finished) return;
    const result = (await post('Profiler.stop')) as { profile: unknown };
    finish();
    settle(JSON.stringify(result.profile));
  };
  run().catch((error: unknown) => {
    finish();
    fail(error);
  });
  return {
    done,
    cancel() {
      if (finished) return;
      finish();
      settle(undefined);
    },
  };
}
