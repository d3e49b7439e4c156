import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';

function capture(opts: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  return { lines, log: createLogger({ ...opts, write: (l) => lines.push(l) }) };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, message and the fields', () => {
    // Prepare
    const { lines, log } = capture({ json: true });

    // Act
    log.info('run.succeeded', { run: 7, stage: 'preprocess', file: 'orders/a b.csv', ms: 12 });
    log.error('run.failed', { error: 'disk full' });

    // Assess
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] as string);
    expect(first).toEqual({ time: expect.any(String), level: 'info', message: 'run.succeeded', run: 7, stage: 'preprocess', file: 'orders/a b.csv', ms: 12 });
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(JSON.parse(lines[1] as string)).toMatchObject({ level: 'error', message: 'run.failed', error: 'disk full' });
  });

  it('renders a line for a terminal: time of day, level, message, key=value', () => {
    // Prepare
    const { lines, log } = capture({ json: false });

    // Act
    log.warn('waiting for the writer to close the file', { key: 'orders/a b.csv', n: 2, tags: ['x'] });

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} warn {2}waiting for the writer to close the file key="orders\/a b\.csv" n=2 tags=\["x"\]$/);
  });

  it('leaves out lines below its level, and everything when silent', () => {
    // Prepare
    const warnOnly = capture({ json: true, level: 'warn' });
    const silent = capture({ json: true, level: 'silent' });

    // Act
    for (const { log } of [warnOnly, silent]) {
      log.info('a');
      log.warn('b');
      log.error('c');
    }

    // Assess
    expect(warnOnly.lines.map((l) => JSON.parse(l).message)).toEqual(['b', 'c']);
    expect(silent.lines).toEqual([]);
  });

  it('redacts the AWS credentials of the process from every line, in both formats', () => {
    // Prepare
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', secret);
    const json = capture({ json: true });
    const text = capture({ json: false });

    // Act
    for (const { log } of [json, text]) log.error(`signing with ${secret}`, { detail: { key: secret } });

    // Assess
    for (const line of [...json.lines, ...text.lines]) {
      expect(line).not.toContain(secret);
      expect(line).toContain('[redacted]');
    }
  });
});
