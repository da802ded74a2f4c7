import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthTransition, HealthTransitionSource } from '../../src/health/HealthTransition';
import { startDiagnostics } from '../../src/index';
import { temporaryDirectories } from '../helpers/temporaryDirectories';

// stop() undoes start(): the transition listener is removed, a pending wait
// is dropped, and calling it twice is harmless.

const freshDirectory = temporaryDirectories('nodevitals-diag-lifecycle-');

/** A source the test drives by hand, to know exactly which transitions were announced and when. */
class HandDrivenSource implements HealthTransitionSource {
  readonly listeners = new Set<(transition: HealthTransition) => void>();
  onTransition(listener: (transition: HealthTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  announce(to: HealthTransition['to']): void {
    const transition: HealthTransition = { check: 'eventLoopUtilization', from: 'ok', to, value: 0.99, threshold: 0.95, atMillis: Date.now() };
    for (const listener of this.listeners) listener(transition);
  }
}

describe('diagnostics lifecycle', () => {
  it('listens while started; after stop() no listener is left and a critical episode captures nothing', async () => {
    const directory = freshDirectory();
    const source = new HandDrivenSource();
    const handle = startDiagnostics({ directory, captures: ['cpu-profile'], sustainedSeconds: 1, cpuProfileSeconds: 1 }, source);
    expect(source.listeners.size).toBe(1);
    expect(handle.counts().armed['cpu-profile']).toBe(true);
    // Critical, then stopped before the sustained second is up: the pending wait goes with it.
    source.announce('critical');
    handle.stop();
    handle.stop();
    expect(source.listeners.size).toBe(0);
    expect(handle.counts().armed['cpu-profile']).toBe(false);
    await sleep(4000);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('a burst that recovers before sustainedSeconds is not profiled', async () => {
    const directory = freshDirectory();
    const source = new HandDrivenSource();
    const handle = startDiagnostics({ directory, captures: ['cpu-profile'], sustainedSeconds: 1, cpuProfileSeconds: 1 }, source);
    source.announce('critical');
    await sleep(300);
    source.announce('warning');
    await sleep(4000);
    expect(readdirSync(directory)).toEqual([]);
    handle.stop();
  });
});
