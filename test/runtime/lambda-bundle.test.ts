/**
 * The Lambda packages `npm run build` makes (scripts/bundle-lambda.mjs), as
 * AWS would run them: dist/lambda/x64 is copied out of the repository (as
 * Lambda unzips a package into /var/task), so nothing can resolve from the
 * repository's node_modules, and a fresh `node` imports its index.mjs and
 * calls `handler` with an S3 event notification. Every zone is in S3 (s3rver)
 * and the queue, bookmarks and catalog are in DynamoDB (dynalite), real
 * protocol servers on loopback.
 *
 * The Glue Data Catalog cannot run here, and aws-sdk-client-mock cannot reach
 * into another process: the bundle's GlueClient is pointed
 * (AWS_ENDPOINT_URL_GLUE) at a stand-in on loopback that keeps databases and
 * tables in memory, answers the Glue calls the publisher makes in Glue's JSON
 * protocol (EntityNotFoundException and AlreadyExistsException included),
 * refuses any other, and records every request for the test to check.
 *
 * The compressed inputs (bzip2, xz, zstd, zip) are made here by the system's
 * commands; the bundle runs with an empty PATH, as it must read them with none.
 *
 * Run after `npm run build` (`npm test` builds first).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteString } from '../../src/engine/sql.js';
import { createTables } from '../../src/state/dynamodb/tables.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

const BUNDLES = path.resolve(import.meta.dirname, '../../dist/lambda');
const BINDING_FILES = ['LICENSE', 'duckdb.node', 'libduckdb.so', 'package.json'];
/** ELF e_machine values: EM_X86_64 and EM_AARCH64. */
const ELF_MACHINE = { x64: 62, arm64: 183 };

/** The part of esbuild's metafile (dist/lambda/meta.json) read here. */
interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

const CONFIG = `zones:
  raw: s3://lake/raw
  processed: s3://lake/processed
  final: s3://lake/final
  quarantine: s3://lake/quarantine
`;

interface GlueCall {
  operation: string;
  input: Record<string, unknown>;
}

/** A Glue Data Catalog stand-in on loopback: databases and tables in memory, every request recorded. */
async function startGlue(): Promise<{ endpoint: string; calls: GlueCall[]; stop(): Promise<void> }> {
  const calls: GlueCall[] = [];
  const databases = new Set<string>();
  const tables = new Set<string>();
  const answer = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, type: string) => answer(res, 400, { __type: type, Message: type });
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation = String(req.headers['x-amz-target']).replace(/^AWSGlue\./, '');
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    calls.push({ operation, input });
    const database = String(input.DatabaseName ?? (input.DatabaseInput as { Name?: string } | undefined)?.Name);
    const table = `${database}.${(input.TableInput as { Name?: string } | undefined)?.Name ?? input.Name ?? input.TableName}`;
    if (operation === 'CreateDatabase') {
      if (databases.has(database)) return fail(res, 'AlreadyExistsException');
      databases.add(database);
      return answer(res, 200, {});
    }
    if (operation === 'CreateTable') {
      if (!databases.has(database)) return fail(res, 'EntityNotFoundException');
      if (tables.has(table)) return fail(res, 'AlreadyExistsException');
      tables.add(table);
      return answer(res, 200, {});
    }
    if (operation === 'UpdateTable' || operation === 'GetTable') {
      if (!tables.has(table)) return fail(res, 'EntityNotFoundException');
      return answer(res, 200, operation === 'GetTable' ? { Table: { Name: input.Name, DatabaseName: database } } : {});
    }
    if (operation === 'GetPartitions') return answer(res, 200, { Partitions: [] });
    return fail(res, 'UnknownOperationException');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** Run `code` (an ES module) in a fresh `node`, its cwd `dir`, with only `env`; resolves with its stdout or rejects with its stderr. */
function runNode(code: string, dir: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`node exited with ${code}:\n${stderr}`))));
  });
}

/** The function's environment: one role's keys (s3rver checks its own fixed pair, dynalite takes any), the endpoints, Sluice's settings. */
function functionEnv(PATH: string): Record<string, string> {
  return {
    PATH,
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: s3.env.AWS_ACCESS_KEY_ID as string,
    AWS_SECRET_ACCESS_KEY: s3.env.AWS_SECRET_ACCESS_KEY as string,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_GLUE: glue.endpoint,
    SLUICE_CONFIG_URI: 's3://config/sluice/sluice.yaml',
    SLUICE_STATE_PREFIX: 'prod-',
    SLUICE_LOG_LEVEL: 'warn',
  };
}

/** Code for a fresh `node` that imports the bundle, calls `handler` with `event` and prints the result on a line of its own. */
function invokeCode(event: object): string {
  return `const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(taskRoot, 'index.mjs')).href)});
const result = await handler(${JSON.stringify(event)});
process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');`;
}

/** The handler's result, from the line the invoke code prints (stdout also carries Powertools' CloudWatch EMF lines). */
function resultOf(stdout: string): unknown {
  return JSON.parse((stdout.split('\n').find((l) => l.startsWith('RESULT ')) ?? '').slice('RESULT '.length));
}

/** The rows of a Parquet object in the lake, `select`ed by DuckDB from a local copy, ordered by the first column. */
async function parquetRows(key: string, select: string): Promise<Record<string, unknown>[]> {
  const parquet = path.join(taskRoot, `${path.basename(key)}`);
  const object = await s3.client().send(new GetObjectCommand({ Bucket: 'lake', Key: key }));
  fs.writeFileSync(parquet, await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  const rows = (await connection.runAndReadAll(`SELECT ${select} FROM read_parquet(${quoteString(parquet)}) ORDER BY 1`)).getRowObjectsJson();
  connection.closeSync();
  duckdb.closeSync();
  fs.rmSync(parquet);
  return rows;
}

/** An S3 event notification for one new object, as S3 delivers it to a function (event structure 2.1). */
function s3Event(bucket: string, key: string, size: number) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2026-11-29T10:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '203.0.113.10' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'sluice-raw',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
        },
      },
    ],
  };
}

let s3: RunningS3;
let dynamo: RunningDynamo;
let glue: Awaited<ReturnType<typeof startGlue>>;
let taskRoot: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(BUNDLES, 'x64', 'index.mjs'))) throw new Error(`${BUNDLES}/x64/index.mjs is missing: run \`npm run build\` first`);
  [s3, dynamo, glue] = await Promise.all([startS3(['lake', 'config']), startDynamo(), startGlue()]);
  await createTables(dynamo.client(), 'prod-');
  taskRoot = tempDir('sluice-lambda-task-');
  fs.cpSync(path.join(BUNDLES, 'x64'), taskRoot, { recursive: true });
});

afterAll(async () => {
  await Promise.all([s3?.stop(), dynamo?.stop(), glue?.stop()]);
  if (taskRoot) fs.rmSync(taskRoot, { recursive: true, force: true });
});

describe('the Lambda packages', () => {
  it('hold the bundle, with the AWS SDK and without SQLite, and each architecture’s DuckDB binding', () => {
    // Prepare
    const packages = (arch: string) =>
      fs
        .readdirSync(path.join(BUNDLES, arch, 'node_modules'), { recursive: true })
        .map(String)
        .sort();
    const duckdbNode = (arch: 'x64' | 'arm64') =>
      fs.readFileSync(path.join(BUNDLES, arch, 'node_modules', '@duckdb', `node-bindings-linux-${arch}`, 'duckdb.node'));
    const meta = JSON.parse(fs.readFileSync(path.join(BUNDLES, 'meta.json'), 'utf8')) as Metafile;

    // Act
    const inputs = Object.keys(meta.inputs);
    const runtimeImports = new Set(meta.outputs['dist/lambda/x64/index.mjs']?.imports.filter((i) => i.external).map((i) => i.path));
    const bundle = fs.readFileSync(path.join(BUNDLES, 'x64', 'index.mjs'), 'utf8');

    // Assess
    expect(inputs.filter((i) => /better-sqlite3|src\/state\/database\.ts/.test(i))).toEqual([]);
    expect(bundle).not.toContain('better-sqlite3');
    // The SDK clients are in the bundle at the versions package.json pins; at run time it imports only Node and the DuckDB binding.
    for (const client of ['s3', 'dynamodb', 'glue', 'sns', 'eventbridge']) expect(inputs.some((i) => i.includes(`@aws-sdk/client-${client}/`))).toBe(true);
    expect([...runtimeImports].filter((i) => !isBuiltin(i) && !i.startsWith('@duckdb/node-bindings-'))).toEqual([]);
    expect(runtimeImports).toContain('@duckdb/node-bindings-linux-arm64/duckdb.node');
    expect(fs.readFileSync(path.join(BUNDLES, 'arm64', 'index.mjs'), 'utf8')).toBe(bundle);
    for (const arch of ['x64', 'arm64'] as const) {
      const binding = `@duckdb/node-bindings-linux-${arch}`;
      expect(packages(arch)).toEqual(['@duckdb', binding, ...BINDING_FILES.map((f) => `${binding}/${f}`)].sort());
      const elf = duckdbNode(arch);
      expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(elf.readUInt16LE(18)).toBe(ELF_MACHINE[arch]);
    }
  });

  it('takes a CSV from an S3 event to Parquet in the processed and final zones, run by a fresh node from a copy of dist/lambda/x64', async () => {
    // Prepare
    const csv = 'id,amount\n1,2.5\n2,4\n';
    await s3.client().send(new PutObjectCommand({ Bucket: 'config', Key: 'sluice/sluice.yaml', Body: CONFIG }));
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/orders/a.csv', Body: csv }));

    // Act
    const stdout = await runNode(invokeCode(s3Event('lake', 'raw/orders/a.csv', csv.length)), taskRoot, functionEnv(process.env.PATH ?? '/usr/bin:/bin'));
    const result = resultOf(stdout);
    const emf = stdout
      .split('\n')
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));

    // Assess
    expect(result).toMatchObject({ queued: ['orders/a.csv'], runs: { completed: 3, failed: 0 } });
    expect(emf.find((m) => 'FilesIn' in m)).toMatchObject({ FilesIn: 1, FilesProcessed: 1, service: 'sluice' });

    const listed = async (Prefix: string) => (await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix }))).Contents?.map((o) => o.Key);
    expect(await listed('processed/')).toEqual(['processed/orders/a.parquet']);
    expect(await listed('final/')).toEqual(['final/orders/a.parquet']);
    const rows = await parquetRows('processed/orders/a.parquet', 'id::INTEGER AS id, amount::DOUBLE AS amount');
    expect(rows).toEqual([
      { id: 1, amount: 2.5 },
      { id: 2, amount: 4 },
    ]);
    const created = glue.calls
      .filter((c) => c.operation === 'CreateTable')
      .map((c) => {
        const input = c.input as { DatabaseName: string; TableInput: { Name: string; StorageDescriptor: { Location: string } } };
        return `${input.DatabaseName}.${input.TableInput.Name} ${input.TableInput.StorageDescriptor.Location}`;
      });
    // Each table's first CreateTable finds no database, so the database is created and the table again.
    expect(created).toEqual([
      'sluice_processed.orders s3://lake/processed/orders/',
      'sluice_processed.orders s3://lake/processed/orders/',
      'sluice_final.orders s3://lake/final/orders/',
      'sluice_final.orders s3://lake/final/orders/',
    ]);
    expect(glue.calls.filter((c) => c.operation === 'CreateDatabase').map((c) => c.input)).toEqual([
      { DatabaseInput: { Name: 'sluice_processed' } },
      { DatabaseInput: { Name: 'sluice_final' } },
    ]);
  });

  it('reads .bz2, .xz, .zst and .zip raw objects with no command on PATH, run by a fresh node from the bundle', async () => {
    // Prepare
    const text = (id: number) => Buffer.from(`id,amount\n${id},${id}.5\n`);
    const made = tempDir('sluice-lambda-inputs-');
    fs.writeFileSync(path.join(made, 'd.csv'), text(4));
    execFileSync('zip', ['-q', 'd.zip', 'd.csv'], { cwd: made });
    const inputs: Record<string, Buffer> = {
      'raw/packed/a.csv.bz2': execFileSync('bzip2', ['-c'], { input: text(1) }),
      'raw/packed/b.csv.xz': execFileSync('xz', ['-c'], { input: text(2) }),
      'raw/packed/c.csv.zst': execFileSync('zstd', ['-c', '-q'], { input: text(3) }),
      'raw/packed/d.zip': fs.readFileSync(path.join(made, 'd.zip')),
    };
    fs.rmSync(made, { recursive: true, force: true });
    for (const [Key, Body] of Object.entries(inputs)) await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key, Body }));
    const noCommands = tempDir('sluice-lambda-empty-path-');
    const event = { Records: Object.entries(inputs).flatMap(([key, body]) => s3Event('lake', key, body.length).Records) };

    // Act
    const stdout = await runNode(invokeCode(event), taskRoot, functionEnv(noCommands));
    const result = resultOf(stdout);

    // Assess
    fs.rmSync(noCommands, { recursive: true, force: true });
    expect(result).toMatchObject({ queued: ['packed/a.csv.bz2', 'packed/b.csv.xz', 'packed/c.csv.zst', 'packed/d.zip'], runs: { failed: 0 } });
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'processed/packed/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([
      'processed/packed/a.parquet',
      'processed/packed/b.parquet',
      'processed/packed/c.parquet',
      'processed/packed/d.parquet',
    ]);
    const rows: Record<string, unknown>[] = [];
    for (const o of listed.Contents ?? []) rows.push(...(await parquetRows(o.Key as string, 'id::INTEGER AS id, amount::DOUBLE AS amount')));
    expect(rows).toEqual([
      { id: 1, amount: 1.5 },
      { id: 2, amount: 2.5 },
      { id: 3, amount: 3.5 },
      { id: 4, amount: 4.5 },
    ]);
    // Nothing quarantined (the zone holds only the run reports, under .sluice/).
    const quarantined = await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'quarantine/packed/' }));
    expect(quarantined.Contents ?? []).toEqual([]);
  });
});
