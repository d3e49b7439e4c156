import { UsageError } from '../../core/errors.js';
import { Pipeline } from '../../runtime/local/pipeline.js';
import { createLogger } from '../../runtime/logger.js';
import { openProject } from '../../runtime/project.js';
import { catalogEvents, describeEvent, diffVersions, showTable, tableSummary, tableVersions } from '../../views/catalog.js';
import { tableDdl } from '../../views/ddl.js';
import { type Command, parse } from '../context.js';
import { formatTable, printJson, printRecords } from '../output.js';

const USAGE =
  'catalog [tables | show <table> | versions <table> | diff <table> <v1> <v2> | ddl <table> [--dialect athena|duckdb] | events [<table>] | crawl [--full]] [--json]';

export const catalog: Command = async ({ args, dir, output }) => {
  const { values, positionals } = parse('catalog', args, { json: { type: 'boolean' }, full: { type: 'boolean' }, dialect: { type: 'string' } });
  const [sub = 'tables', table, ...rest] = positionals;
  const needTable = () => {
    if (!table) throw new UsageError(`catalog ${sub}: name a table, e.g. final.orders (usage: sluice ${USAGE})`);
    return table;
  };
  const project = openProject(dir, { log: createLogger({ level: 'warn' }) });
  try {
    switch (sub) {
      case 'tables': {
        const tables = (await project.catalog.listTables()).map(tableSummary);
        printRecords(
          output,
          tables,
          ['table', 'version', 'columns', 'rows', 'files', 'updated'],
          tables.map((t) => [t.table, t.version, t.columns.length + t.partitionKeys.length, t.rows, t.files, t.updatedAt]),
        );
        return 0;
      }
      case 'show': {
        const t = await showTable(project, needTable());
        if (output.json) printJson(output, t);
        else {
          output.out(`${t.table}  version ${t.version}  ${t.rows} rows in ${t.files} file(s)  ${t.location}\n\n`);
          output.out(
            formatTable(
              ['column', 'type', 'nullable', 'partition', 'comment'],
              [
                ...t.columns.map((c) => [c.name, c.type, c.nullable, '', c.comment ?? '']),
                ...t.partitionKeys.map((c) => [c.name, c.type, c.nullable, 'yes', c.comment ?? '']),
              ],
            ),
          );
          for (const w of t.warnings) output.out(`\nwarning: ${w}\n`);
        }
        return 0;
      }
      case 'versions': {
        const versions = await tableVersions(project, needTable());
        printRecords(
          output,
          versions,
          ['version', 'created', 'columns', 'added', 'removed', 'widened'],
          versions.map((v) => [
            v.version,
            v.createdAt,
            v.columns.length + v.partitionKeys.length,
            v.diff.added.map((c) => c.name).join(' '),
            v.diff.removed.map((c) => c.name).join(' '),
            v.diff.widened.map((w) => `${w.name}:${w.from}->${w.to}`).join(' '),
          ]),
        );
        return 0;
      }
      case 'events': {
        const events = await catalogEvents(project, { table });
        printRecords(
          output,
          events,
          ['at', 'event', 'table', 'version', 'detail'],
          events.map((e) => [e.at, e.type, e.table, e.version, describeEvent(e)]),
        );
        return 0;
      }
      case 'diff': {
        const [v1, v2] = rest.map(Number);
        if (!Number.isInteger(v1) || !Number.isInteger(v2))
          throw new UsageError(`catalog diff: give two version numbers: sluice catalog diff ${table ?? '<table>'} <v1> <v2>`);
        const d = await diffVersions(project, needTable(), v1 as number, v2 as number);
        if (output.json) printJson(output, d);
        else {
          const rows = [
            ...d.added.map((c) => ['+', c.name, '', c.type]),
            ...d.removed.map((c) => ['-', c.name, c.type, '']),
            ...d.changed.map((c) => ['~', c.name, c.from, c.to]),
          ];
          output.out(rows.length ? formatTable(['', 'column', `v${v1}`, `v${v2}`], rows) : 'no differences\n');
        }
        return 0;
      }
      case 'ddl': {
        const dialect = values.dialect ?? 'athena';
        if (dialect !== 'athena' && dialect !== 'duckdb') throw new UsageError(`catalog ddl: --dialect must be athena or duckdb, not "${dialect}"`);
        const ddl = await tableDdl(project, needTable(), dialect);
        if (output.json) printJson(output, { table, dialect, ddl });
        else output.out(ddl);
        return 0;
      }
      case 'crawl': {
        const pipeline = new Pipeline(project);
        const result = await pipeline.recrawl(values.full ?? false);
        await pipeline.workUntilIdle();
        const tables = (await project.catalog.listTables('processed')).map(tableSummary);
        if (output.json) printJson(output, { ...result, tables });
        else
          output.out(
            `crawled ${result.queued} file(s)${result.dropped ? `, removed ${result.dropped} missing file(s) from the catalog` : ''}; ${tables.length} processed table(s)\n`,
          );
        return 0;
      }
      default:
        throw new UsageError(`catalog: unknown subcommand "${sub}" (usage: sluice ${USAGE})`);
    }
  } finally {
    project.close();
  }
};
