/**
 * Server-sent events: the server says `change` when files, runs or tables
 * move on; the current page then fetches again. Bursts are coalesced: the
 * refresh comes 200 ms after the last event, and at least once a second
 * while they keep coming.
 */

export type LiveState = 'connecting' | 'live' | 'offline';

const QUIET_MS = 200;
const MAX_WAIT_MS = 1000;
const RETRY_MS = 10_000;

export function connectLive(onChange: () => void, onState: (state: LiveState) => void): () => void {
  let source: EventSource | null = null;
  let timer: number | undefined;
  let firstPending: number | null = null;
  let retry: number | undefined;
  let lostContact = false;
  let stopped = false;

  const fire = (): void => {
    window.clearTimeout(timer);
    timer = undefined;
    firstPending = null;
    onChange();
  };
  const schedule = (): void => {
    const now = Date.now();
    firstPending ??= now;
    window.clearTimeout(timer);
    timer = window.setTimeout(fire, Math.max(0, Math.min(QUIET_MS, firstPending + MAX_WAIT_MS - now)));
  };

  const open = (): void => {
    onState('connecting');
    const es = new EventSource('/api/events/stream');
    source = es;
    es.addEventListener('open', () => {
      onState('live');
      // Changes may have been missed while the stream was down.
      if (lostContact) schedule();
      lostContact = false;
    });
    es.addEventListener('change', schedule);
    es.addEventListener('error', () => {
      lostContact = true;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (the server answered with an error): try again later.
        onState('offline');
        es.close();
        if (!stopped) retry = window.setTimeout(open, RETRY_MS);
      } else {
        onState('connecting');
      }
    });
  };

  open();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    window.clearTimeout(retry);
    source?.close();
  };
}
