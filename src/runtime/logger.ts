/**
 * Structured logs: one line per event, human-readable on a terminal, JSON
 * with SLUICE_LOG_FORMAT=json. Every line passes `redactCredentials` on its
 * way out, whatever its fields hold.
 */
import type { Logger } from '../stages/deps.js';
import { redactEchoedToken } from '../storage/aws-errors.js';

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

/** The environment variables holding AWS credentials, as the SDK reads them. */
const CREDENTIAL_VARIABLES = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID'] as const;
/** Shorter values are not credentials (test stand-ins such as S3RVER) and would only blank out ordinary words. */
const MIN_CREDENTIAL_LENGTH = 16;

/**
 * `text` with the process's AWS credentials (secret key, session token and
 * access key id) and any session token AWS echoed back (a
 * `SignatureDoesNotMatch` message, a presigned URL) replaced by
 * `[redacted]`. The access key id is not a secret, but it names the key to
 * attack and has no use in a log, so it goes too.
 */
export function redactCredentials(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = redactEchoedToken(text);
  for (const name of CREDENTIAL_VARIABLES) {
    const value = env[name];
    if (value && value.length >= MIN_CREDENTIAL_LENGTH) out = out.replaceAll(value, '[redacted]');
  }
  return out;
}

export function createLogger(opts: { level?: LogLevel; json?: boolean; write?: (line: string) => void } = {}): Logger {
  const order: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };
  const min = order[opts.level ?? 'info'];
  const json = opts.json ?? process.env.SLUICE_LOG_FORMAT === 'json';
  const out = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const write = (line: string) => out(redactCredentials(line));
  const emit = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const time = new Date().toISOString();
    if (json) {
      write(JSON.stringify({ time, level, message, ...fields }));
      return;
    }
    const extra = formatFields(fields);
    write(`${time.slice(11, 23)} ${level.padEnd(5)} ${message}${extra ? ` ${extra}` : ''}`);
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A log line's fields for a terminal: `key=value` pairs, values with spaces (and non-strings) as JSON. */
export function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
}
