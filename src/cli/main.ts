#!/usr/bin/env node
/** The `sluice` command: global flags, then one file per command. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import type { Command } from './context.js';
import { defaultOutput, fail } from './output.js';

/**
 * Each command's module, loaded when the command runs: the deploy commands
 * bring the CDK and its toolkit (over a second of loading), which no other
 * command should pay for at start-up.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init.js')).init,
  start: async () => (await import('./commands/start.js')).start,
  ingest: async () => (await import('./commands/ingest.js')).ingest,
  run: async () => (await import('./commands/run.js')).run,
  status: async () => (await import('./commands/status.js')).status,
  logs: async () => (await import('./commands/logs.js')).logs,
  catalog: async () => (await import('./commands/catalog.js')).catalog,
  query: async () => (await import('./commands/query.js')).query,
  jobs: async () => (await import('./commands/jobs.js')).jobs,
  replay: async () => (await import('./commands/replay.js')).replay,
  notifications: async () => (await import('./commands/notifications.js')).notifications,
  demo: async () => (await import('./commands/demo.js')).demo,
  deploy: async () => (await import('./commands/deploy.js')).deploy,
  destroy: async () => (await import('./commands/deploy.js')).destroy,
};

const HELP = `sluice: event-driven CSV preprocessing pipeline

usage: sluice <command> [options] [--dir <project dir>] [--json]

  init [dir]                                 write sluice.yaml and the zone folders
  start [--port 8080] [--host 127.0.0.1] [--allow-host NAME] [--rebuild-state]
                                             watch raw, run the pipeline, serve the API
  ingest <file or dir>… [--dataset NAME] [--no-wait]
                                             put files into raw and wait for each to reach final
  run [--rebuild-state]                      process everything pending, then exit
  status [<raw key>] [--json]                files and their outcomes; with a key, its report
  logs [--follow] [--run N | --file KEY] [--limit N] [--json]
                                             the runs' log lines (stage, file, run); --follow keeps reading
  catalog [tables | show <t> | versions <t> | diff <t> <v1> <v2> | ddl <t> [--dialect athena|duckdb] | crawl [--full]] [--json]
  query "<sql>" [--format table|json|csv] [--limit N] [--timeout MS]
                                             read-only SQL over processed.<t> and final.<t>
  jobs [list | run <job> | reset <job>]      transform jobs and their bookmarks
  replay <raw key | --dataset NAME>          run raw files through the pipeline again
  notifications [list [--dead] | test <webhook> | retry (--all | <id>)]
                                             webhook deliveries, dead letters, a signed test event
  deploy aws [--synth DIR] [--diff] [--stack-name N] [--region R] [--bootstrap] [--yes]
                                             the pipeline on AWS from this sluice.yaml (CDK);
                                             --synth writes the cloud assembly, no credentials needed
  destroy aws [--stack-name N] [--region R] [--yes]
                                             remove the stack (data buckets and tables are kept)

--rebuild-state moves a corrupt state database aside (kept as state.db.corrupt-<time>)
and rebuilds the state from the raw zone; a sound one is left as it is.

exit codes: 0 ok, 1 the work failed, 2 usage or configuration error (or a corrupt state database)
`;

/** Split out the global flags (--dir, --json, --help) that every command takes. */
function splitGlobal(argv: string[]): { dir: string; dirGiven: boolean; json: boolean; help: boolean; rest: string[] } {
  let dir: string | undefined;
  let json = false;
  let help = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--dir') {
      const v = argv[++i];
      if (!v) throw new UsageError('--dir needs a folder');
      dir = v;
    } else if (a.startsWith('--dir=')) dir = a.slice(6);
    else if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') help = true;
    else rest.push(a);
  }
  return { dir: dir ?? process.cwd(), dirGiven: dir !== undefined, json, help, rest };
}

export async function main(argv: string[]): Promise<number> {
  let output = defaultOutput(false);
  try {
    const { dir, dirGiven, json, help, rest } = splitGlobal(argv);
    output = defaultOutput(json);
    const [name, ...args] = rest;
    if (name === '--version' || name === 'version') {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      output.out(`${pkg.version}\n`);
      return 0;
    }
    if (!name || help) {
      output.out(HELP);
      return name || help ? 0 : 2;
    }
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!load) throw new UsageError(`unknown command "${name}"; run \`sluice --help\` for the list`);
    const command = await load();
    return await command({ args, dir, dirGiven, output });
  } catch (err) {
    return fail(output, err);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`sluice: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
