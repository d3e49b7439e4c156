/**
 * Structured logs (pino): one line per event, human-readable on a terminal,
 * JSON with SLUICE_LOG_FORMAT=json. Every line passes `redactCredentials` on
 * its way out, whatever its fields hold.
 */
import { pino } from 'pino';
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

/**
 * The process's logger: pino, writing one JSON object per line (`time`,
 * `level`, `message` and the line's fields), which a terminal gets rendered
 * as `HH:MM:SS.mmm level message key=value …` unless SLUICE_LOG_FORMAT=json.
 * Lines leave through `write` (stderr by default) after `redactCredentials`.
 */
export function createLogger(opts: { level?: LogLevel; json?: boolean; write?: (line: string) => void } = {}): Logger {
  const json = opts.json ?? process.env.SLUICE_LOG_FORMAT === 'json';
  const out = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const destination = {
    write(line: string) {
      const text = line.endsWith('\n') ? line.slice(0, -1) : line;
      out(redactCredentials(json ? text : forTerminal(text)));
    },
  };
  const logger = pino(
    {
      level: opts.level ?? 'info',
      messageKey: 'message',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const emit = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => logger[level](fields ?? {}, message);
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A pino JSON line as a terminal shows it: `HH:MM:SS.mmm level message key=value …`. */
function forTerminal(line: string): string {
  const { time, level, message, ...fields } = JSON.parse(line) as Record<string, unknown>;
  const extra = formatFields(fields);
  return `${String(time).slice(11, 23)} ${String(level).padEnd(5)} ${String(message ?? '')}${extra ? ` ${extra}` : ''}`;
}

/** A log line's fields for a terminal: `key=value` pairs, values with spaces (and non-strings) as JSON. */
export function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
}
