/** JSON in and out: every API answer, and request bodies read up to a bound. */
import type http from 'node:http';
import { mediaType } from './access.js';
import { HttpError } from './http-error.js';

const MAX_JSON_BODY = 1024 * 1024;

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(text);
}

/** The body as a JSON object; 415 for another content type, 413 past 1 MiB, 400 for anything but an object. */
export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  if (mediaType(req) !== 'application/json') throw new HttpError(415, 'send the body as JSON with Content-Type: application/json');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY) throw new HttpError(413, `request body over ${MAX_JSON_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch {
    throw new HttpError(400, 'the body must be a JSON object, e.g. {"sql": "select 1"}');
  }
}

/** A whole-number query parameter, `fallback` when absent or not a number (0 counts as absent, as it always has). */
export function numberParam(url: URL, name: string, fallback: number): number {
  return Number(url.searchParams.get(name) ?? fallback) || fallback;
}
