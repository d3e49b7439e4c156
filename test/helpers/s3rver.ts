/**
 * A real S3 protocol server on loopback for tests: `s3rver` from npm, on a
 * free port, keeping its objects in a temp folder. Clients reach it as any
 * S3-compatible store, through `AWS_ENDPOINT_URL_S3`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3ClientConfig } from '../../src/storage/s3/client.js';

export interface RunningS3 {
  endpoint: string;
  /** The environment a client (or a sluice process) needs to reach it. */
  env: Record<string, string>;
  client(): S3Client;
  stop(): Promise<void>;
}

/** Longest key segment s3rver gets as a file name as it is: it adds `._S3rver_metadata.json` (22 bytes) to the last one. */
const SHORT_SEGMENT_BYTES = 200;
const longSegments = new Map<string, string>();

/**
 * s3rver keeps each object as a file named after the last segment of its key
 * plus a suffix, so it cannot hold a 255-byte name as S3 can (S3 keys are up
 * to 1024 bytes, with no limit per segment). Its key↔path mapping is therefore
 * given short stand-ins for long segments on disk, remembered for the
 * server's life. Keys on the wire, and everything the store under test sees,
 * are unchanged.
 */
function holdLongSegments(store: object): void {
  const filesystemStore = store.constructor as unknown as { encodeKeyPath(key: string): string; decodeKeyPath(keyPath: string): string };
  filesystemStore.encodeKeyPath = (key) =>
    key
      .split('/')
      .map((segment) => {
        if (Buffer.byteLength(segment) <= SHORT_SEGMENT_BYTES) return segment;
        const standIn = `~${createHash('sha256').update(segment).digest('hex')}`;
        longSegments.set(standIn, segment);
        return standIn;
      })
      .join('/');
  filesystemStore.decodeKeyPath = (keyPath) =>
    keyPath
      .split('/')
      .map((segment) => longSegments.get(segment) ?? segment)
      .join('/');
}

/** The little of a Koa context the UploadPartCopy stand-in uses. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  get(header: string): string;
  status: number;
  type: string;
  body: unknown;
  store: {
    getResourcePath(bucket: string, key: undefined, resource: 'uploads'): string;
    getObject(bucket: string, key: string, range?: { start: number; end: number }): Promise<{ content: NodeJS.ReadableStream } | null>;
    putPart(bucket: string, uploadId: string, partNumber: string, content: NodeJS.ReadableStream): Promise<{ md5: string }>;
  };
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/**
 * Two multipart operations s3rver 3.7 lacks, served from its own store ahead
 * of its router:
 * - UploadPartCopy (a part PUT with `x-amz-copy-source`), which it answers
 *   with NotImplemented, and S3 copies an object over 5 GiB only that way: the
 *   source range is read and stored as the part; the answer is S3's
 *   CopyPartResult.
 * - AbortMultipartUpload (DELETE with `uploadId`), which it answers with
 *   MethodNotAllowed: the upload's parts are removed; the answer is 204.
 */
function serveMultipartGaps(server: object): void {
  const middleware = (server as { middleware: KoaMiddleware[] }).middleware;
  const multipart: KoaMiddleware = async (ctx, next) => {
    const source = ctx.get('x-amz-copy-source');
    const uploadId = ctx.query.uploadId;
    const bucket = /^\/([^/]+)\//.exec(ctx.path)?.[1];
    if (ctx.method === 'DELETE' && uploadId && bucket && /^[\w-]+$/.test(uploadId)) {
      await fs.promises.rm(path.join(ctx.store.getResourcePath(bucket, undefined, 'uploads'), uploadId), { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method !== 'PUT' || !uploadId || !source) return next();
    const from = /^\/?([^/]+)\/(.+)$/.exec(decodeURIComponent(source.split('?')[0] as string));
    const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.get('x-amz-copy-source-range'));
    const object =
      from && (await ctx.store.getObject(from[1] as string, from[2] as string, range ? { start: Number(range[1]), end: Number(range[2]) } : undefined));
    ctx.type = 'application/xml';
    if (!object || !bucket) {
      ctx.status = 404;
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
      return;
    }
    const { md5 } = await ctx.store.putPart(bucket, uploadId, ctx.query.partNumber ?? '1', object.content);
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<CopyPartResult><LastModified>${new Date().toISOString()}</LastModified><ETag>"${md5}"</ETag></CopyPartResult>`;
  };
  // Just before the router, the last middleware s3rver installs.
  middleware.splice(middleware.length - 1, 0, multipart);
}

export async function startS3(buckets: string[]): Promise<RunningS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  holdLongSegments((server as unknown as { store: object }).store);
  serveMultipartGaps(server);
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  // s3rver checks signatures made with its own fixed key pair.
  const env = { AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  return {
    endpoint,
    env,
    client: () => new S3Client({ ...s3ClientConfig(env), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
    stop: async () => {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
