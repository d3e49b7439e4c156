/**
 * A loopback HTTP proxy in front of a protocol server (s3rver, dynalite) that
 * answers the requests a test picks with the faults AWS sends, as AWS sends
 * them, and forwards every other request unchanged. Clients point their
 * endpoint at the proxy; the SDK then sees real throttling and refusals on the
 * wire and its own retry strategy (backoff, attempts, quota) is what a test
 * exercises, not a mock of it.
 *
 * - A fault is an HTTP answer: S3's XML errors (`503 SlowDown`, `403
 *   AccessDenied`; a HEAD gets the status without a body, as S3 answers it)
 *   and DynamoDB's JSON errors (`400` with `__type` and the
 *   `x-amzn-ErrorType` header: `ProvisionedThroughputExceededException`,
 *   `ThrottlingException`, `AccessDeniedException`, and
 *   `InvalidSignatureException`, whose message echoes the signed headers,
 *   session token included, as AWS's does).
 * - A rule says which requests get a fault (`when`) and how many times
 *   (`times`; unlimited by default); rules are tried in the order injected.
 *   A faulted request never reaches the server, so nothing of it is applied,
 *   as with a throttled call on AWS.
 * - Forwarded requests keep their headers, Host included, so signatures made
 *   for the proxy's address still hold at the server.
 * - `requests` lists every request seen, with the fault it got, for tests to
 *   count attempts.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as rules see it. */
export interface SeenRequest {
  method: string;
  /** Path and query, as sent (`/bucket/key?uploadId=…`). */
  url: string;
  /** The DynamoDB operation (`TransactWriteItems`) from `x-amz-target`, if any. */
  operation?: string;
  headers: IncomingHttpHeaders;
  /** The fault it was answered with, if it got one. */
  fault?: string;
}

export interface Fault {
  /** Its error code, as the client reports it. */
  code: string;
  status: number;
  headers(requestId: string): Record<string, string>;
  /** The body, or undefined for none (a HEAD answer). */
  body(req: SeenRequest, requestId: string): string | undefined;
}

export interface FaultRule {
  when?: (req: SeenRequest) => boolean;
  fault: Fault;
  /** How many matching requests get the fault (default: all). */
  times?: number;
}

export interface FaultProxy {
  endpoint: string;
  requests: SeenRequest[];
  inject(rule: FaultRule): void;
  /** Drop every rule: from now on every request is forwarded. */
  clear(): void;
  stop(): Promise<void>;
}

function s3Fault(code: string, status: number, message: string): Fault {
  return {
    code,
    status,
    headers: (id) => ({ 'content-type': 'application/xml', 'x-amz-request-id': id, 'x-amz-id-2': `${id}=` }),
    body: (req, id) =>
      req.method === 'HEAD'
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${id}</RequestId><HostId>${id}=</HostId></Error>`,
  };
}

function dynamoFault(code: string, namespace: string, message: string | ((req: SeenRequest) => string)): Fault {
  return {
    code,
    status: 400,
    headers: (id) => ({ 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': id, 'x-amzn-errortype': `${code}:` }),
    body: (req) => JSON.stringify({ __type: `${namespace}#${code}`, message: typeof message === 'string' ? message : message(req) }),
  };
}

/** The canonical request AWS says it expected, from the headers the request signed (the session token among them). */
function canonicalRequest(req: SeenRequest): string {
  const signed = /SignedHeaders=([^,\s]+)/.exec(String(req.headers.authorization ?? ''))?.[1]?.split(';') ?? [];
  return [req.method, req.url.split('?')[0], '', ...signed.map((h) => `${h}:${String(req.headers[h] ?? '')}`), '', signed.join(';')].join('\n');
}

export const S3_SLOW_DOWN = s3Fault('SlowDown', 503, 'Please reduce your request rate.');
export const S3_ACCESS_DENIED = s3Fault('AccessDenied', 403, 'Access Denied');
export const DYNAMO_THROUGHPUT_EXCEEDED = dynamoFault(
  'ProvisionedThroughputExceededException',
  'com.amazonaws.dynamodb.v20120810',
  'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
);
export const DYNAMO_THROTTLING = dynamoFault('ThrottlingException', 'com.amazon.coral.availability', 'Rate of requests exceeds the allowed throughput.');
/** What DynamoDB answers a request signed with the wrong secret: its message echoes the canonical request, as AWS's does. */
export const DYNAMO_INVALID_SIGNATURE = dynamoFault(
  'InvalidSignatureException',
  'com.amazon.coral.service',
  (req) =>
    `The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'${canonicalRequest(req)}'\n`,
);
export const DYNAMO_ACCESS_DENIED = dynamoFault(
  'AccessDeniedException',
  'com.amazon.coral.service',
  'User: arn:aws:sts::123456789012:assumed-role/sluice-ingest/sluice is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/sluice-runs',
);

/** The proxy in front of `target` (`http://127.0.0.1:port`). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: { rule: FaultRule; left: number }[] = [];
  const requests: SeenRequest[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    // `expect: 100-continue` is never signed; the body is sent on at once.
    const { expect: _expect, ...headers } = req.headers;
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const server = http.createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      ...(typeof target === 'string' ? { operation: target.slice(target.indexOf('.') + 1) } : {}),
    };
    requests.push(seen);
    const hit = rules.find((r) => r.left > 0 && (r.rule.when?.(seen) ?? true));
    if (!hit) return forward(req, res);
    hit.left--;
    seen.fault = hit.rule.fault.code;
    // Read the whole request first: an answer sent while the client still writes would look like a dropped connection.
    req.resume();
    req.on('end', () => {
      const id = randomBytes(8).toString('hex').toUpperCase();
      const body = hit.rule.fault.body(seen, id);
      res.writeHead(hit.rule.fault.status, { ...hit.rule.fault.headers(id), ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inject: (rule) => {
      rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    clear: () => {
      rules.length = 0;
    },
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
