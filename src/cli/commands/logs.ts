/**
 * `sluice logs [--follow] [--run N | --file KEY] [--limit N] [--json]`: the
 * log lines kept with each run, each with its run, the run's stage and the
 * file it works on. `--follow` keeps printing lines as runs write them (a
 * `sluice start` in another process) until interrupted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../core/errors.js';
import { formatFields, redactCredentials } from '../../runtime/logger.js';
import { openProject } from '../../runtime/project.js';
import type { LoggedRunLine } from '../../state/records.js';
import { type Command, parse } from '../context.js';
import type { Output } from '../output.js';

/** How often --follow looks for new lines. */
const FOLLOW_POLL_MS = 300;

export const logs: Command = async ({ args, dir, output }) => {
  const { values } = parse(
    'logs',
    args,
    { follow: { type: 'boolean', short: 'f' }, run: { type: 'string' }, file: { type: 'string' }, limit: { type: 'string' } },
    false,
  );
  if (values.run !== undefined && values.file !== undefined) throw new UsageError('logs: give --run or --file, not both');
  const filter = {
    run: values.run === undefined ? undefined : positiveInteger('--run', values.run),
    file: values.file,
    limit: values.limit === undefined ? 100 : positiveInteger('--limit', values.limit),
  };
  const project = openProject(dir);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let last = 0;
    const print = (lines: LoggedRunLine[]) => {
      for (const line of lines) printLine(output, line);
      last = lines.at(-1)?.id ?? last;
    };
    print(project.runLogs.lines(filter));
    while (values.follow && !stop.signal.aborted) {
      await sleep(FOLLOW_POLL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
      // Lines written since the last one printed, however many (the limit is for the first screen only).
      print(project.runLogs.lines({ ...filter, after: last, limit: Number.MAX_SAFE_INTEGER }));
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    project.close();
  }
};

function positiveInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`logs: ${flag} takes a whole number above 0, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** One line on a terminal (`time level run N stage subject: message key=value`), or as JSON under --json. */
function printLine(output: Output, line: LoggedRunLine): void {
  if (output.json) {
    output.out(`${redactCredentials(JSON.stringify(line))}\n`);
    return;
  }
  const where = [line.stage, line.subject].filter(Boolean).join(' ');
  const extra = formatFields(line.fields);
  output.out(redactCredentials(`${line.at} ${line.level.padEnd(5)} run ${line.run}${where ? ` ${where}` : ''}: ${line.message}${extra ? ` ${extra}` : ''}\n`));
}
