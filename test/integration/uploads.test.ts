/** Uploads through a real `sluice start` at the edges: names at the file-system limit, failed writes. */
import fs from 'node:fs';
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
