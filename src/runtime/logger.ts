/** Structured logs: one line per event, human-readable on a terminal, JSON with SLUICE_LOG_FORMAT=json. */
import type { Logger } from '../stages/deps.js';

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

export function createLogger(opts: { level?: LogLevel; json?: boolean; write?: (line: string) => void } = {}): Logger {
  const order: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };
  const min = order[opts.level ?? 'info'];
  const json = opts.json ?? process.env.SLUICE_LOG_FORMAT === 'json';
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const time = new Date().toISOString();
    if (json) {
      write(JSON.stringify({ time, level, message, ...fields }));
      return;
    }
    const extra = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
          .join(' ')
      : '';
    write(`${time.slice(11, 23)} ${level.padEnd(5)} ${message}${extra ? ` ${extra}` : ''}`);
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
