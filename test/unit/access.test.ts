/** The pure parts of the server's access rules and the query gate. */
import { describe, expect, it } from 'vitest';
import { BusyError } from '../../src/core/errors.js';
import { ConcurrencyGate } from '../../src/runtime/gate.js';
import { allowedHostsFor, hostOfHeader, isLoopbackHost, tokenMatches } from '../../src/server/access.js';

describe('host names', () => {
  it('tells loopback from everything else', () => {
    const loopback = ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST.', 'app.localhost'];
    const beyond = ['0.0.0.0', '::', '192.168.1.10', 'example.com', 'localhost.example.com', '128.0.0.1', '10.0.0.1'];

    expect(loopback.map(isLoopbackHost)).toEqual(loopback.map(() => true));
    expect(beyond.map(isLoopbackHost)).toEqual(beyond.map(() => false));
  });

  it('reads the host of a Host header, with or without a port, and refuses malformed ones', () => {
    const cases: [string | undefined, string | undefined][] = [
      ['localhost:8080', 'localhost'],
      ['[::1]:8080', '::1'],
      ['[::1]', '::1'],
      ['Example.COM', 'example.com'],
      ['127.0.0.1', '127.0.0.1'],
      ['evil.example:80:81', undefined],
      ['user@localhost', undefined],
      ['a b', undefined],
      ['', undefined],
      [undefined, undefined],
    ];

    expect(cases.map(([h]) => hostOfHeader(h))).toEqual(cases.map(([, want]) => want));
  });

  it('allows loopback names, the bound host, the machine for a wildcard bind, and what the user adds', () => {
    const machine = { hostname: 'box', addresses: ['192.168.1.10', 'fe80::1'] };

    expect([...allowedHostsFor('127.0.0.1', [], machine)].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
    expect([...allowedHostsFor('0.0.0.0', ['Sluice.LAN'], machine)].sort()).toEqual(
      ['0.0.0.0', '127.0.0.1', '192.168.1.10', '::1', 'box', 'fe80::1', 'localhost', 'sluice.lan'].sort(),
    );
    expect(allowedHostsFor('10.1.2.3', [], machine).has('box')).toBe(false);
  });

  it('compares tokens whatever their lengths', () => {
    expect(tokenMatches('a-long-enough-token', 'a-long-enough-token')).toBe(true);
    expect(tokenMatches('a-long-enough-token', 'a-long-enough-tokeN')).toBe(false);
    expect(tokenMatches('', 'a-long-enough-token')).toBe(false);
  });
});

describe('ConcurrencyGate', () => {
  it('runs up to its limit, queues a few in order, and refuses the rest at once', async () => {
    const gate = new ConcurrencyGate('queries', 2, 2);
    const release: (() => void)[] = [];
    const order: number[] = [];
    const task = (n: number) => () =>
      new Promise<number>((resolve) => {
        order.push(n);
        release.push(() => resolve(n));
      });

    const running = [1, 2, 3, 4].map((n) => gate.run(task(n)));
    const refused = gate.run(task(5));

    await expect(refused).rejects.toBeInstanceOf(BusyError);
    await expect(refused).rejects.toThrow(/2 queries are running and 2 are waiting/);
    expect(order).toEqual([1, 2]);
    expect(gate.load).toEqual({ running: 2, waiting: 2 });
    release.shift()?.();
    await running[0];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([1, 2, 3]);
    while (release.length) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(running)).toEqual([1, 2, 3, 4]);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it('frees its slot when the work fails', async () => {
    const gate = new ConcurrencyGate('queries', 1, 0);

    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
