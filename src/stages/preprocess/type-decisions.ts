/**
 * Deciding each column's type: evidence counted over its values, the
 * decision type inference makes on it, and what sluice.yaml sets instead (a
 * type, a strptime format, keeping outliers as text).
 */
import type { PreprocessDefaults } from '../../config/schema.js';
import { ConfigError, errorMessage } from '../../core/errors.js';
import type { HeaderMapping } from '../../core/headers.js';
import { type ColumnEvidence, decideColumnType, fileDayOrder, type InferenceOptions, type TypeDecision } from '../../core/infer.js';
import { toDuckType } from '../../core/types.js';
import { quoteString } from '../../engine/sql.js';
import { columnSpec, firstLine, type PreprocessRun, timezoneFor } from './run.js';
import { evidenceFromRow, evidenceQuery } from './sql.js';

export function inferenceOptions(defaults: PreprocessDefaults): InferenceOptions {
  return { minShare: defaults.minTypeShare, zeroOneAsBoolean: defaults.zeroOneAsBoolean, dateOrder: defaults.dateOrder, timezone: defaults.timezone };
}

/** Type evidence for each of `headers`, counted over `from` (a table or a parenthesised query). */
export async function columnEvidence(run: PreprocessRun, from: string, headers: readonly HeaderMapping[]): Promise<ColumnEvidence[]> {
  const r = await run.connection.runAndReadAll(
    evidenceQuery(
      from,
      headers.map((h) => h.name),
      run.defaults.booleanWords,
    ),
  );
  const byName = new Map(r.getRowObjectsJS().map((row) => [String(row.col), evidenceFromRow(row)]));
  // UNPIVOT drops NULLs: a column with no values at all has no row.
  return headers.map((h) => byName.get(h.name) ?? evidenceFromRow({}));
}

/** Each column's type decided on its evidence, unless sluice.yaml sets the type. */
export function decideFromEvidence(run: PreprocessRun, evidence: readonly ColumnEvidence[]): TypeDecision[] {
  const { ds, defaults, dataset } = run;
  const opts = inferenceOptions(defaults);
  const dayFirst = fileDayOrder(evidence);
  return run.headers.map((h, i) => {
    const ev = evidence[i] as ColumnEvidence;
    const inferred = decideColumnType(ev, { ...opts, timezone: timezoneFor(run, h.name, h.original) }, dayFirst);
    const spec = columnSpec(ds, h.name, h.original);
    const override = spec?.type ? toDuckType(spec.type) : undefined;
    if (!override) {
      if (inferred.failed > 0 && (ds?.typeOutliers ?? defaults.typeOutliers) === 'text') {
        return {
          logical: 'text',
          duckType: 'VARCHAR',
          parse: {},
          parsed: ev.nonNull,
          failed: 0,
          reason: `${inferred.failed} value(s) are not ${inferred.logical}; kept as text (typeOutliers: text)`,
        } satisfies TypeDecision;
      }
      return inferred;
    }
    const logical =
      override === 'VARCHAR'
        ? 'text'
        : override === 'BOOLEAN'
          ? 'boolean'
          : override === 'DATE'
            ? 'date'
            : override.startsWith('TIMESTAMP')
              ? 'timestamp'
              : override.startsWith('DECIMAL')
                ? 'decimal'
                : override === 'DOUBLE' || override === 'FLOAT'
                  ? 'double'
                  : 'integer';
    const parsed =
      override === 'VARCHAR'
        ? ev.nonNull
        : logical === 'boolean'
          ? ev.booleanWords
          : logical === 'date' || logical === 'timestamp'
            ? Math.max(ev.timestampDayFirst, ev.timestampMonthFirst, ev.clfTimestamps, ev.rfcTimestamps)
            : Math.max(ev.numDot, ev.numComma);
    return {
      logical,
      duckType: override,
      parse: {
        decimalComma: ev.numComma > ev.numDot,
        dayFirst: inferred.parse.dayFirst ?? dayFirst ?? false,
        percent: ev.percent > 0,
        protocol: inferred.parse.protocol,
      },
      parsed: Math.min(parsed, ev.nonNull),
      failed: Math.max(0, ev.nonNull - parsed),
      reason: `set in sluice.yaml (datasets.${dataset}.columns.${h.name}.type)`,
    } satisfies TypeDecision;
  });
}

/** Fail with the YAML key when a column's `format` is not a strptime format DuckDB knows. */
export async function checkFormats(run: PreprocessRun): Promise<void> {
  for (const [column, spec] of Object.entries(run.ds?.columns ?? {})) {
    if (spec.format === undefined) continue;
    try {
      await run.connection.run(`SELECT try_strptime(NULL::VARCHAR, ${quoteString(spec.format)})`);
    } catch (err) {
      throw new ConfigError(
        'sluice.yaml',
        `datasets.${run.dataset}.columns.${column}.format`,
        `${firstLine(errorMessage(err)).replace(/^Invalid Input Error: /, '')}; use strptime specifiers such as %Y-%m-%d or %d.%m.%Y %H:%M`,
      );
    }
  }
}
