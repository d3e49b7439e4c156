/**
 * The access token of `sluice start`. On loopback none is needed (one user,
 * no setup) unless SLUICE_TOKEN asks for one. Beyond loopback one is always
 * in force: SLUICE_TOKEN, else `data/.sluice/token`, made on first use with
 * mode 0600 and shown once.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';

export interface ResolvedToken {
  token: string;
  /** Where it came from, for the start-up message. */
  source: 'env' | 'file';
  file?: string;
  /** True when this start made the token file: the only time the token is printed. */
  created: boolean;
}

const MIN_LENGTH = 16;

export function resolveToken(opts: { stateDir: string; required: boolean; env: NodeJS.ProcessEnv }): ResolvedToken | undefined {
  const fromEnv = opts.env.SLUICE_TOKEN?.trim();
  if (fromEnv) {
    if (fromEnv.length < MIN_LENGTH)
      throw new UsageError(`SLUICE_TOKEN is ${fromEnv.length} characters; use at least ${MIN_LENGTH} (e.g. \`openssl rand -hex 24\`)`);
    return { token: fromEnv, source: 'env', created: false };
  }
  if (!opts.required) return undefined;
  const file = path.join(opts.stateDir, 'token');
  fs.mkdirSync(opts.stateDir, { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return { token: readTokenFile(file), source: 'file', file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new UsageError(`cannot write the access token to ${file}: ${(err as Error).message}`, { cause: err });
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new UsageError(`${file} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\` (or delete it to get a new token)`);
  }
  return { token: readTokenFile(file), source: 'file', file, created: false };
}

function readTokenFile(file: string): string {
  const token = fs.readFileSync(file, 'utf8').trim();
  if (token.length < MIN_LENGTH) throw new UsageError(`${file} holds no usable token (under ${MIN_LENGTH} characters); delete it to get a new one`);
  return token;
}
