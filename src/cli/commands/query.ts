import { UsageError } from '../../core/errors.js';
import { neutraliseFormula } from '../../core/formula.js';
import { openProject } from '../../runtime/project.js';
import { queryCatalog } from '../../views/query.js';
import { type Command, parse } from '../context.js';
import { csvCell, formatTable, printJson } from '../output.js';

export const query: Command = async ({ args, dir, output }) => {
  const { values, positionals } = parse('query', args, {
    format: { type: 'string' },
    json: { type: 'boolean' },
    limit: { type: 'string' },
    timeout: { type: 'string' },
  });
  const sql = positionals.join(' ').trim();
  if (!sql) throw new UsageError('query: give a SQL query, e.g. sluice query "select count(*) from final.orders"');
  const format = values.format ?? (values.json || output.json ? 'json' : 'table');
  if (!['table', 'json', 'csv'].includes(format)) throw new UsageError(`query: --format must be table, json or csv, not "${format}"`);
  const limit = Number(values.limit ?? 10_000);
  const timeoutMs = Number(values.timeout ?? 30_000);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`query: --limit must be a positive whole number, not "${values.limit}"`);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1) throw new UsageError(`query: --timeout must be milliseconds > 0, not "${values.timeout}"`);
  const project = openProject(dir);
  try {
    const result = await queryCatalog(project, sql, { limit, timeoutMs });
    const names = result.columns.map((c) => c.name);
    if (format === 'json')
      printJson(
        output,
        result.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]]))),
      );
    else if (format === 'csv') {
      // Text a spreadsheet would run as a formula gets an apostrophe, as in every CSV Sluice writes; --format json stays exact.
      const text = result.columns.map((c) => c.type === 'VARCHAR');
      const cell = (v: unknown, i: number) => csvCell(text[i] && typeof v === 'string' ? neutraliseFormula(v) : v);
      output.out(`${[names.map(csvCell).join(','), ...result.rows.map((r) => r.map(cell).join(','))].join('\n')}\n`);
    } else output.out(formatTable(names, result.rows));
    if (result.truncatedBy === 'rows') output.err(`sluice: showing the first ${limit} rows; raise --limit to see more\n`);
    if (result.truncatedBy === 'bytes') {
      output.err(
        `sluice: showing the first ${result.rows.length} rows, what fits in ${project.config.defaults.maxQueryBytes} bytes (defaults.maxQueryBytes in sluice.yaml); select fewer columns or rows, or raise it\n`,
      );
    }
    return 0;
  } finally {
    project.close();
  }
};
