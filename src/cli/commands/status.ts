import { openProject } from '../../runtime/project.js';
import { fileReport, fileStatuses } from '../../views/status.js';
import { type Command, describeOutcome, parse } from '../context.js';
import { formatTable, printJson, printRecords } from '../output.js';

export const status: Command = async ({ args, dir, output }) => {
  const { positionals } = parse('status', args, { json: { type: 'boolean' } });
  const project = openProject(dir);
  try {
    if (positionals[0]) {
      const report = await fileReport(project, positionals[0]);
      if (output.json) {
        printJson(output, report);
        return 0;
      }
      output.out(`${report.key}  ${describeOutcome(report.outcome)}\n\n`);
      output.out(
        formatTable(
          ['run', 'stage', 'status', 'ms', 'error'],
          report.runs.map((r) => [r.id, r.stage, r.status, r.durationMs, r.error]),
        ),
      );
      const rep = report.report as { columns?: { original: string; name: string; type: string; reason: string; failed: number; nulls: number }[] } | null;
      if (rep?.columns?.length) {
        output.out('\n');
        output.out(
          formatTable(
            ['column', 'from header', 'type', 'nulls', 'rejected', 'why'],
            rep.columns.map((c) => [c.name, c.original, c.type, c.nulls, c.failed, c.reason]),
          ),
        );
      }
      return 0;
    }
    const files = await fileStatuses(project);
    printRecords(
      output,
      files,
      ['file', 'state', 'detail', 'seen'],
      files.map((f) => [f.key, f.outcome.state, describeOutcome(f.outcome).replace(/^[a-z]+: ?/, ''), f.seenAt]),
    );
    return 0;
  } finally {
    project.close();
  }
};
