import { nodeRuntime, type RuntimeSources } from '../../src/runtime';

/** Node's real sources with some replaced or removed (`undefined` removes one). */
export function fakeRuntime(overrides: Partial<RuntimeSources>): RuntimeSources {
  return { ...nodeRuntime(), ...overrides };
}

/** An error shaped like the one Bun throws for APIs it ships but does not implement. */
export function notImplemented(api: string): Error {
  return Object.assign(new Error(`${api} is not yet implemented in Bun.`), { code: 'ERR_NOT_IMPLEMENTED' });
}
