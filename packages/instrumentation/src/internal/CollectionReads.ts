import type { RuntimeSources } from '../runtime.js';

/**
 * Reads that more than one family needs, done once per collection. The SDK
 * calls every batch callback of a collection in one synchronous pass, so a
 * value kept until the next microtask is shared by exactly that collection.
 * (`process.memoryUsage()` costs ~16 us and already contains the RSS that a
 * separate `memoryUsage.rss()` would read again for ~9 us.)
 */
export class CollectionReads {
  private memory: NodeJS.MemoryUsage | undefined;

  constructor(private readonly runtime: RuntimeSources) {}

  /** `process.memoryUsage()`, read at most once per collection. */
  memoryUsage(): NodeJS.MemoryUsage | undefined {
    if (!this.memory && this.runtime.memoryUsage) {
      this.memory = this.runtime.memoryUsage();
      queueMicrotask(() => (this.memory = undefined));
    }
    return this.memory;
  }

  /** Resident set size: from this collection's memoryUsage() if one was read, else the cheaper rss(). */
  rss(): number | undefined {
    return this.memory?.rss ?? this.runtime.rss?.();
  }
}
