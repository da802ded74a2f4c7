import { createHook } from 'node:async_hooks';

interface TimeoutLike {
  _idleTimeout?: number;
  _destroyed?: boolean;
}

/**
 * Tracks live Node timers of one duration (tests give the sampler an unusual
 * resolution so its timers are the only ones of that length). Unref'd timers
 * are invisible to process.getActiveResourcesInfo(), so async_hooks it is.
 */
export function trackTimers(idleTimeoutMillis: number) {
  const timers = new Map<number, TimeoutLike>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type === 'Timeout') timers.set(asyncId, resource as TimeoutLike);
    },
    destroy(asyncId) {
      timers.delete(asyncId);
    },
  }).enable();
  return {
    live(): number {
      return [...timers.values()].filter((timer) => timer._idleTimeout === idleTimeoutMillis && !timer._destroyed).length;
    },
    stop(): void {
      hook.disable();
    },
  };
}
