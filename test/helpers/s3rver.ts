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

export async function startS3(buckets: string[]): Promise<RunningS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  holdLongSegments((server as unknown as { store: object }).store);
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
