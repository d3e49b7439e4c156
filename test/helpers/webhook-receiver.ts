/**
 * A webhook receiver on a free loopback port (node:http) that verifies every
 * request with the standardwebhooks library, as a real receiver would, and
 * answers as the test tells it: per request, a status, a redirect or no answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  /** Whether the signature verified with the receiver's secret. */
  verified: boolean;
  /** What the receiver did. */
  answer: number | 'hang';
}

/** What to do with the n-th request (0-based) to the webhook path. */
export type Behaviour = (n: number, req: http.IncomingMessage) => number | 'hang' | { redirect: string };

export interface Receiver {
  url: string;
  received: Received[];
  /** Message ids the receiver accepted, once each (a receiver dedupes by webhook-id). */
  accepted: Set<string>;
  /** Requests held open without an answer right now. */
  hanging: () => number;
  close(): Promise<void>;
}

export async function startReceiver(secret: string, behaviour: Behaviour): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const received: Received[] = [];
  const accepted = new Set<string>();
  const open = new Set<http.ServerResponse>();
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let verified = true;
      try {
        verifier.verify(body, headers);
      } catch {
        verified = false;
      }
      const action = req.url === '/hook' ? behaviour(n++, req) : 200;
      const entry: Received = { id: headers['webhook-id'] ?? '', path: req.url ?? '', body, headers, verified, answer: 200 };
      received.push(entry);
      if (action === 'hang') {
        entry.answer = 'hang';
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      if (typeof action === 'object') {
        entry.answer = 302;
        res.writeHead(302, { location: action.redirect }).end();
        return;
      }
      entry.answer = action;
      if (action >= 200 && action < 300 && verified) accepted.add(entry.id);
      res.writeHead(action, { 'content-type': 'text/plain' }).end(verified ? 'ok' : 'bad signature');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    accepted,
    hanging: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
