/**
 * Bounds how much of one kind of work runs at once in this process. Up to
 * `max` run; a few more wait their turn; past that a caller is refused at
 * once with a BusyError, so a burst of heavy queries cannot take the server's
 * memory, and a client is told to come back rather than left hanging.
 */
import { BusyError } from '../core/errors.js';

export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly what: string,
    readonly max: number,
    readonly maxWaiting = max * 4,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new BusyError(
          `${this.running} ${this.what} are running and ${this.waiting.length} are waiting; try again in a moment (defaults.maxConcurrentQueries in sluice.yaml)`,
          1,
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next();
      else this.running--;
    }
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
