/** How the HTTP layer answers errors: by their type, never by the wording of their message. */
import { describe, expect, it } from 'vitest';
import {
  BusyError,
  CatalogError,
  InvalidKeyError,
  NotFoundError,
  type NotFoundKind,
  ObjectNotFoundError,
  QueryError,
  StateCorruptError,
  UsageError,
} from '../../src/core/errors.js';
import { HttpError, headersOf, statusOf } from '../../src/server/http-error.js';

const KINDS: NotFoundKind[] = ['table', 'table version', 'dashboard', 'raw file', 'job'];

describe('statusOf', () => {
  it('answers 404 for every kind of NotFoundError, whatever its message says', () => {
    // Prepare
    const errors = KINDS.map((kind) => new NotFoundError(kind, 'x', `there is nothing called x (${kind})`));

    // Act
    const statuses = errors.map(statusOf);

    // Assess
    expect(statuses).toEqual(KINDS.map(() => 404));
  });

  it('no longer reads 404 into a message that starts like a missing thing', () => {
    // Prepare
    const lookalikes = [new CatalogError('no table name given'), new UsageError('no dashboard "x" can be drawn without columns')];

    // Act
    const statuses = lookalikes.map(statusOf);

    // Assess
    expect(statuses).toEqual([400, 400]);
  });

  it('keeps the other mappings: HttpError as given, busy and corrupt state 503, mistakes 400, the rest 500', () => {
    // Prepare
    const cases: [unknown, number][] = [
      [new HttpError(418, 'teapot'), 418],
      [new BusyError('busy', 2), 503],
      [new StateCorruptError('state.db', 'not a database'), 503],
      [new InvalidKeyError('../x', 'no'), 400],
      [new QueryError('only SELECT'), 400],
      [new ObjectNotFoundError('a.csv', 'data/raw'), 500],
      [new Error('boom'), 500],
      ['a string', 500],
    ];

    // Act
    const statuses = cases.map(([err]) => statusOf(err));

    // Assess
    expect(statuses).toEqual(cases.map(([, status]) => status));
  });

  it('sends Retry-After with a busy answer and the headers an HttpError names', () => {
    expect(headersOf(new BusyError('busy', 3))).toEqual({ 'retry-after': '3' });
    expect(headersOf(new HttpError(405, 'no', { allow: 'POST' }))).toEqual({ allow: 'POST' });
    expect(headersOf(new NotFoundError('job', 'x', 'no job "x"'))).toEqual({});
  });
});

describe('NotFoundError', () => {
  it('keeps the exit codes the CLI always gave: 1 for tables and versions, 2 for what were usage errors', () => {
    // Act
    const codes = Object.fromEntries(KINDS.map((kind) => [kind, new NotFoundError(kind, 'x', 'gone').exitCode]));

    // Assess
    expect(codes).toEqual({ table: 1, 'table version': 1, dashboard: 2, 'raw file': 2, job: 2 });
  });

  it('is a CatalogError carrying what was asked for, and its cause', () => {
    // Prepare
    const cause = new Error('lookup failed');

    // Act
    const err = new NotFoundError('table', 'final.nope', 'no table final.nope in the catalog', { cause });

    // Assess
    expect(err).toBeInstanceOf(CatalogError);
    expect(err).toMatchObject({ name: 'NotFoundError', kind: 'table', subject: 'final.nope', message: 'no table final.nope in the catalog', cause });
  });
});
