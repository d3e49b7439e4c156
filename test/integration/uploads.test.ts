/** Uploads through a real `sluice start` at the edges: names at the file-system limit, failed writes, bodies cut off. */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, startSluice, stopSluice, tempDir, waitFor } from '../helpers/project.js';

let dir = '';
let server: Started;

async function put(key: string, body: string): Promise<{ status: number; body: { error?: string; key?: string } }> {
  const res = await fetch(`${server.url}/api/files/${key.split('/').map(encodeURIComponent).join('/')}`, { method: 'PUT', body });
  return { status: res.status, body: (await res.json()) as { error?: string; key?: string } };
}

async function outcomeOf(key: string): Promise<{ state: string; rowsWritten?: number }> {
  return waitFor(`${key} to be done`, async () => {
    const res = await fetch(`${server.url}/api/status/${key.split('/').map(encodeURIComponent).join('/')}`);
    const body = (await res.json()) as { outcome?: { state: string; rowsWritten?: number } };
    return res.status === 200 && body.outcome && body.outcome.state !== 'pending' ? body.outcome : undefined;
  });
}

beforeAll(async () => {
  dir = tempDir();
  server = await startSluice(dir);
});

afterAll(async () => {
  await stopSluice(server);
});

describe('upload names at the file-system limit', () => {
  it('takes a 236-character file name and processes the file', async () => {
    // Prepare
    const key = `long/${'n'.repeat(232)}.csv`;

    // Act
    const r = await put(key, 'a,b\n1,2\n3,4\n');

    // Assess
    expect(r).toEqual({ status: 201, body: expect.objectContaining({ key }) });
    expect(await outcomeOf(key)).toMatchObject({ state: 'done', rowsWritten: 2 });
  });

  it('refuses a name over 255 bytes with 400 and a reason, storing nothing', async () => {
    // Prepare
    const key = `long/${'é'.repeat(126)}.csv`;

    // Act
    const r = await put(key, 'a,b\n1,2\n');

    // Assess
    expect(r.status).toBe(400);
    expect(r.body.error).toContain('is 256 bytes; file and folder names are limited to 255 bytes');
    expect(fs.readdirSync(path.join(dir, 'data/raw/long')).filter((n) => n.startsWith('é'))).toEqual([]);
  });

  it('names a failed write by its key and zone, never by the server path', async () => {
    // Prepare: a file where the upload needs a folder
    fs.writeFileSync(path.join(dir, 'data/raw/blocked'), 'not a folder');

    // Act
    const r = await put('blocked/x.csv', 'a,b\n1,2\n');

    // Assess
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.error).toContain('cannot write "blocked/x.csv" in data/raw');
    expect(r.body.error).not.toContain(dir);
  });
});

/** Every temp file under `root`, relative. */
function tempsUnder(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => path.basename(p).startsWith('.sluice-tmp-')).sort();
}

/** Send the head of a PUT whose body is cut off: Content-Length promises more than is sent. Resolves once the server holds a temp file. */
async function startCutOffUpload(url: string, key: string, root: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`PUT /api/files/${key} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Length: 1000000\r\n\r\n${'a,b\n1,2\n'.repeat(500)}`);
  await waitFor('the upload to reach a temp file', () => (tempsUnder(root).length > 0 ? true : undefined));
  return socket;
}

describe('uploads cut off mid-body', () => {
  it('leaves no temp file and no object when the client goes away', async () => {
    // Prepare
    const raw = path.join(dir, 'data/raw');
    const socket = await startCutOffUpload(server.url, 'cut/a.csv', raw);

    // Act
    socket.destroy();

    // Assess
    await waitFor('the temp file to be removed', () => (tempsUnder(raw).length === 0 ? true : undefined));
    expect(fs.existsSync(path.join(raw, 'cut/a.csv'))).toBe(false);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('removes the temp files of a server killed mid-upload on the next start, and keeps those of live processes', async () => {
    // Prepare
    const other = tempDir();
    const first = await startSluice(other);
    const raw = path.join(other, 'data/raw');
    const socket = await startCutOffUpload(first.url, 'cut/b.csv', raw);
    await stopSluice(first, 'SIGKILL');
    socket.destroy();
    const leftByKilled = tempsUnder(raw);
    const deadPid = first.child.pid as number;
    fs.mkdirSync(path.join(other, 'data/final/t'), { recursive: true });
    fs.writeFileSync(path.join(other, 'data/final/t', `.sluice-tmp-${deadPid}-0a1b2c3d4e5f`), 'half a parquet file');
    const live = path.join(raw, 'cut', `.sluice-tmp-${process.pid}-abcdef012345`);
    fs.writeFileSync(live, 'a live writer is still here');

    // Act
    const second = await startSluice(other);
    await stopSluice(second);

    // Assess
    expect(leftByKilled).toHaveLength(1);
    expect(tempsUnder(raw)).toEqual([path.relative(raw, live)]);
    expect(tempsUnder(path.join(other, 'data/final'))).toEqual([]);
    expect(fs.existsSync(path.join(raw, 'cut/b.csv'))).toBe(false);
  });
});
