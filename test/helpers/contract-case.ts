/**
 * The frame of a port contract suite: a clock each case starts at T0 and
 * moves, and a fresh backend for every case whose ports the suite names once.
 */
import { beforeEach } from 'vitest';

export const T0 = 1_700_000_000_000;

/** A clock the backend reads through `now` and a case sets through `at`; every case starts at T0. */
export interface CaseClock {
  at: number;
  now: () => number;
}

export function caseClock(): CaseClock {
  const clock: CaseClock = { at: T0, now: () => clock.at };
  beforeEach(() => {
    clock.at = T0;
  });
  return clock;
}

/** Make a backend before each case and clean it up after; the result gives the current case's backend. */
export function backendEachCase<T extends { cleanup: () => Promise<void> }>(make: () => Promise<T>): () => T {
  let current: T | undefined;
  beforeEach(async () => {
    const made = await make();
    current = made;
    return made.cleanup;
  });
  return () => {
    if (!current) throw new Error('no backend outside a test case');
    return current;
  };
}

/**
 * A port that forwards every call to the current case's, so a suite names
 * its port once (`queue.claim(...)`) though each case has a new backend.
 */
export function forwarding<P extends object>(current: () => P): P {
  return new Proxy({} as P, {
    get(_target, key) {
      const port = current();
      const value: unknown = Reflect.get(port, key);
      return typeof value === 'function' ? value.bind(port) : value;
    },
  });
}
