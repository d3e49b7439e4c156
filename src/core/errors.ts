/**
 * Errors that carry their context as fields. Every message says what failed,
 * on which value, and what to do about it; backends wrap vendor errors in these
 * and keep the original as `cause`.
 */
export class SluiceError extends Error {
  /** Process exit code a CLI should use when this error ends a command. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SluiceError';
  }
}

/** The command line was used wrongly (exit code 2). */
export class UsageError extends SluiceError {
  override readonly exitCode = 2;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** `sluice.yaml` is invalid; `path` is the YAML path as the user wrote it. */
export class ConfigError extends SluiceError {
  override readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly path: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${path ? `${path}: ` : ''}${detail}`, options);
    this.name = 'ConfigError';
  }
}

/** An input file cannot be processed (as a whole or at a location). */
export class InputError extends SluiceError {
  constructor(
    message: string,
    readonly key: string,
    readonly line?: number,
    readonly column?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** An object store operation failed. */
export class StorageError extends SluiceError {
  constructor(
    message: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** An object store has no object under `key` (a backend's miss, not something a user asked for: see NotFoundError). */
export class ObjectNotFoundError extends StorageError {
  constructor(key: string, where: string, options?: ErrorOptions) {
    super(`no object "${key}" in ${where}`, key, options);
    this.name = 'ObjectNotFoundError';
  }
}

/** A key that is not a safe relative path. */
export class InvalidKeyError extends SluiceError {
  override readonly exitCode = 2;
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid key "${key}": ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

/** A `sluice query` statement that is not allowed or failed. */
export class QueryError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryError';
  }
}

/** Too much work of one kind is running already; worth trying again in `retryAfterSec`. */
export class BusyError extends SluiceError {
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(message);
    this.name = 'BusyError';
  }
}

/** A catalog lookup or update that cannot be done. */
export class CatalogError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CatalogError';
  }
}

/**
 * A state backend (the run queue, bookmarks) could not read or write: a
 * service refused or could not be reached. `operation` names what was asked
 * (`DynamoDB PutItem on sluice-runs`); the vendor's error is the cause.
 */
export class StateError extends SluiceError {
  constructor(
    message: string,
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StateError';
  }
}

/** What a user can ask for by name and not find. */
export type NotFoundKind = 'table' | 'table version' | 'dashboard' | 'raw file' | 'job';

/**
 * Something asked for by name is not there: a table, one of its versions, a
 * dashboard, a raw file, a job. The HTTP API answers 404 by this type, never by
 * the message. It is a CatalogError because a missing table always was one; the
 * kinds that were UsageErrors keep their exit code 2, tables and versions keep 1.
 */
export class NotFoundError extends CatalogError {
  override readonly exitCode: number;
  constructor(
    readonly kind: NotFoundKind,
    /** The name as it was asked for. */
    readonly subject: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NotFoundError';
    this.exitCode = kind === 'table' || kind === 'table version' ? 1 : 2;
  }
}

/**
 * The state database is damaged: corrupt pages, or not a SQLite file at all.
 * Exit code 2, as for a bad sluice.yaml: nothing can run on the project until
 * the user acts, and retrying the same command cannot help.
 */
export class StateCorruptError extends SluiceError {
  override readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `the state database ${file} is corrupt (${detail}). ` +
        'Its contents can be rebuilt from the raw zone (the tables come back; run history and catalog versions start over): ' +
        'stop every Sluice process on this project, then run `sluice run --rebuild-state` or `sluice start --rebuild-state`, ' +
        `which move it aside as ${file}.corrupt-<time> and process every raw file again; ` +
        `or move it aside yourself (mv ${file} ${file}.corrupt, and its -wal and -shm files if there are any) and start again.`,
      options,
    );
    this.name = 'StateCorruptError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
