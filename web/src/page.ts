/** What a page is to the router, and a loader that keeps one fetch in flight per page. */
import { isAbort, messageOf } from './api';

export interface Page {
  /** Fetch again what the page shows (a change arrived from the server). */
  refresh(): void;
  /** The page is left: cancel requests, release charts and listeners. */
  dispose(): void;
}

/** Makes a page in `root`, which is already in the document. `params` are the decoded route segments after the page's name. */
export type PageFactory = (root: HTMLElement, params: string[]) => Page;

export interface Loader {
  /**
   * Fetch and show. A run asked for while one is in flight waits for it and
   * then runs once more (server changes coalesce); with `restart` the one in
   * flight is cancelled instead (the user changed what is asked).
   */
  run(opts?: { restart?: boolean }): void;
  dispose(): void;
}

export function loader<T>(fetch: (signal: AbortSignal) => Promise<T>, show: (data: T) => void, fail: (message: string) => void): Loader {
  let current: AbortController | null = null;
  let again = false;
  let disposed = false;
  const start = (): void => {
    const ctrl = new AbortController();
    current = ctrl;
    fetch(ctrl.signal)
      .then(
        (data) => {
          if (current !== ctrl || disposed) return;
          try {
            show(data);
          } catch (err) {
            // A response of an unexpected shape: say so in the page rather than break it.
            fail(`cannot show the answer: ${messageOf(err)}`);
          }
        },
        (err: unknown) => {
          if (current === ctrl && !disposed && !isAbort(err)) fail(messageOf(err));
        },
      )
      .finally(() => {
        if (current !== ctrl || disposed) return;
        current = null;
        if (again) {
          again = false;
          start();
        }
      });
  };
  return {
    run(opts = {}) {
      if (disposed) return;
      if (current && !opts.restart) {
        again = true;
        return;
      }
      current?.abort();
      again = false;
      start();
    },
    dispose() {
      disposed = true;
      current?.abort();
      current = null;
    },
  };
}
