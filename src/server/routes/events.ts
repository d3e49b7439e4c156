/** Live changes for the web app, as server-sent events. */
import type http from 'node:http';
import { errorMessage } from '../../core/errors.js';
import type { Project } from '../../runtime/project.js';
import type { Router } from '../router.js';

/** The change feed's route; the feed itself is closed with the server. */
export function eventRoutes(router: Router, feed: ChangeFeed): void {
  router.stream('GET /api/events/stream', ({ req, res }) => feed.subscribe(req, res));
}

/**
 * Server-sent events for the web app: `change` whenever the state database
 * shows new pipeline events or runs, whichever process made them (a `sluice
 * ingest` beside this server counts too). One poll serves every client.
 */
export class ChangeFeed {
  private readonly clients = new Set<http.ServerResponse>();
  private timer?: NodeJS.Timeout;
  private lastEvent = 0;
  private lastRuns = '';
  private beats = 0;
  private polling = false;

  constructor(private readonly project: Project) {}

  subscribe(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    req.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    if (!this.timer) void this.begin();
  }

  private async begin(): Promise<void> {
    this.timer = setInterval(() => void this.poll(), 300);
    try {
      this.lastEvent = (await this.project.events.recent(1))[0]?.id ?? 0;
      this.lastRuns = await this.project.queue.changeMark();
    } catch (err) {
      this.project.log.warn('change feed poll failed', { error: errorMessage(err) });
    }
  }

  private async poll(): Promise<void> {
    // A slow state backend must not let two polls send the same events.
    if (this.polling) return;
    this.polling = true;
    try {
      const events = (await this.project.events.recent(50)).filter((e) => e.id > this.lastEvent);
      const runs = await this.project.queue.changeMark();
      if (events.length || runs !== this.lastRuns) {
        this.lastEvent = Math.max(this.lastEvent, ...events.map((e) => e.id));
        this.lastRuns = runs;
        const data = JSON.stringify({ events: events.reverse().map((e) => ({ id: e.id, at: new Date(e.at).toISOString(), ...e.payload })) });
        for (const c of this.clients) c.write(`event: change\ndata: ${data}\n\n`);
      } else if (++this.beats % 50 === 0) {
        for (const c of this.clients) c.write(': still here\n\n');
      }
    } catch (err) {
      this.project.log.warn('change feed poll failed', { error: errorMessage(err) });
    } finally {
      this.polling = false;
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}
