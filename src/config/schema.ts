/**
 * The `sluice.yaml` schema. Top-level keys are fixed by the design; unknown
 * keys are refused (a typo must not be silently ignored).
 */
import { z } from 'zod';
import { TABLE_NAME } from '../core/keys.js';
import { toDuckType } from '../core/types.js';
import { booleanWordLists } from '../core/vocabulary.js';
import { notificationsSchema } from './notifications.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and underscores, not starting with a digit');

const userType = z.string().superRefine((t, ctx) => {
  if (toDuckType(t) === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown type "${t}"; use one of string, int, bigint, double, decimal(p,s), boolean, date, timestamp (or a DuckDB type name)`,
    });
  }
});

const missingPolicy = z.union([
  z.enum(['keep', 'drop', 'mean', 'median', 'mode', 'ffill']),
  z.object({ constant: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
]);

/** An IANA time zone (`Europe/Berlin`, `UTC`): the zone local times without an offset are read in. */
const timeZone = z.string().refine(isTimeZone, { message: 'unknown time zone; use an IANA name such as UTC, Europe/Berlin or America/New_York' });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.trim() === zone && zone !== '';
  } catch {
    return false;
  }
}

const columnSpec = z
  .object({
    type: userType.optional(),
    format: z.string().optional(),
    timezone: timeZone.optional(),
    nullTokens: z.array(z.string()).optional(),
    missing: missingPolicy.optional(),
    /**
     * Letter case of a text column's values (`upper`, `lower`, `title`),
     * applied after trimming and null tokens, before typing; runs of spaces
     * inside a value become one space, so values differing only by case or
     * spacing become one value.
     */
    case: z.enum(['upper', 'lower', 'title']).optional(),
  })
  .strict();

/**
 * `auto` drops rows identical in every column only when a column identifies
 * the rows apart from them (they are re-sends), else keeps them and reports
 * them; `exact` drops rows identical in every column; `none` keeps every row;
 * `{ keys, keep }` keeps one row per key (the first or last in file order).
 */
const dedupePolicy = z.union(
  [
    z.enum(['auto', 'exact', 'none']),
    z.object({ keys: z.array(z.string()).min(1, 'name at least one key column'), keep: z.enum(['first', 'last']).default('first') }).strict(),
  ],
  { error: 'use one of "auto", "exact", "none" or { keys: [column, …], keep: first | last }' },
);

const rule = z
  .object({
    column: z.string().optional(),
    required: z.boolean().optional(),
    unique: z.boolean().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    regex: z.string().optional(),
    allowed: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    check: z.string().optional(),
  })
  .strict()
  .refine((r) => r.column !== undefined || r.check !== undefined, { message: 'a rule needs a column (or a check expression)' })
  .refine((r) => r.column === undefined || [r.required, r.unique, r.min, r.max, r.regex, r.allowed].some((x) => x !== undefined) || r.check !== undefined, {
    message: 'a rule needs a condition: required, unique, min, max, regex, allowed or check',
  });

const preprocessDefaults = z
  .object({
    nullTokens: z.array(z.string()).default(['', 'NA', 'N/A', 'n/a', 'null', 'NULL', 'None', '-', 'NaN', '#N/A']),
    dedupe: dedupePolicy.default('auto'),
    typeOutliers: z.enum(['null', 'text']).default('null'),
    minTypeShare: z.number().gt(0).max(1).default(0.95),
    /** Rows that decide the types before every value is checked against them (see the preprocess stage). */
    typeSampleRows: z.number().int().positive().default(20_000),
    zeroOneAsBoolean: z.boolean().default(false),
    /** Words for yes and no beyond the built-in ones (core/vocabulary.ts), any case. */
    booleanWords: z
      .object({ true: z.array(z.string().min(1)).default([]), false: z.array(z.string().min(1)).default([]) })
      .strict()
      .superRefine((words, ctx) => {
        try {
          booleanWordLists(words);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; a word can mean only one of yes and no` });
        }
      })
      .default({ true: [], false: [] }),
    dateOrder: z.enum(['auto', 'mdy', 'dmy']).default('auto'),
    /** The zone timestamps without an offset are read in; values with one keep their instant. All are stored as UTC. */
    timezone: timeZone.default('UTC'),
    missing: missingPolicy.default('keep'),
    maxFileBytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 ** 3),
    /** Largest query answer (as JSON) the server and `sluice query` return; rows past it are left out and the answer says so. */
    maxQueryBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 ** 2),
    /**
     * Bytes of a remote zone's files (S3) kept on local disk between queries,
     * under the state folder (`data/.sluice/cache/`), least recently used
     * first out; 0 keeps none (each query downloads what it reads).
     */
    queryCacheBytes: z
      .number()
      .int()
      .min(0)
      .default(2 * 1024 ** 3),
    /** Read-only query sessions (queries, dashboards, previews, profiles) one process runs at once; more wait, and past a short queue are refused. */
    maxConcurrentQueries: z.number().int().positive().max(64).default(2),
    /**
     * How long a file copied into the watched raw folder must keep its size
     * and modification time (and, where the system tells, be closed by every
     * writer) before it is taken: slow copies and uploads pause between chunks.
     */
    settleMs: z.number().int().min(0).max(600_000).default(2_000),
    /**
     * How often `sluice start` lists a raw zone that is not a local folder (an
     * S3 bucket, which sends a laptop no events) for new or changed objects.
     */
    scanIntervalMs: z.number().int().min(1_000).max(3_600_000).default(10_000),
  })
  .strict();

const dataset = z
  .object({
    columns: z.record(z.string(), columnSpec).default({}),
    rules: z.array(rule).default([]),
    schemaChange: z.enum(['update', 'log', 'fail']).default('update'),
    nullTokens: z.array(z.string()).optional(),
    dedupe: dedupePolicy.optional(),
    typeOutliers: z.enum(['null', 'text']).optional(),
    timezone: timeZone.optional(),
  })
  .strict();

const tableRef = z
  .string()
  .refine((t) => /^(processed|final)\./.test(t) && TABLE_NAME.test(t.slice(t.indexOf('.') + 1)), 'write a table as processed.<table> or final.<table>');

/** A dataset is named by the first segment of its raw keys, so it may start with a digit (`2024/jan.csv`). */
const datasetName = z.string().regex(TABLE_NAME, 'use letters, digits and underscores');

/** Glue's ApplyMapping: [source column, source type, target column, target type]; only mapped columns are kept. */
const mapping = z.tuple([z.string().min(1), userType, identifier, userType]);

const jobDedupe = z
  .object({
    keys: z.array(z.string()).min(1, 'name at least one key column'),
    keep: z.enum(['first', 'last']).default('first'),
    /** Which row is first: columns (`"updated_at desc"`), else the order of the input files and their rows. */
    orderBy: z.array(z.string()).optional(),
  })
  .strict();

const jobJoin = z
  .object({
    table: tableRef,
    /** Key columns with the same name on both sides, or `{ leftColumn: rightColumn }`. */
    on: z.union([z.array(z.string()).min(1, 'name at least one key column'), z.record(z.string(), z.string())]),
    kind: z.enum(['inner', 'left', 'right', 'full']).default('left'),
    /** Columns to take from the joined table (default: all but its keys). */
    columns: z.array(z.string()).optional(),
    /** Prefix for the joined table's columns, for names both sides have. */
    prefix: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and underscores')
      .optional(),
  })
  .strict();

const fileSize = z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB)$/i, 'write a size like 128MB');

const job = z
  .object({
    source: tableRef,
    /** incremental: one output per input file, replaced when the input changes; full: the whole table recomputed. Default: full when the job joins, aggregates or dedupes. */
    mode: z.enum(['incremental', 'full']).optional(),
    mappings: z.array(mapping).min(1, 'map at least one column, or leave mappings out').optional(),
    rename: z.record(z.string(), identifier).optional(),
    drop: z.array(z.string()).optional(),
    join: z.union([jobJoin, z.array(jobJoin)]).optional(),
    derive: z.record(identifier, z.string().min(1, 'give an SQL expression')).optional(),
    filter: z.string().min(1, 'give an SQL condition').optional(),
    dedupe: jobDedupe.optional(),
    aggregate: z
      .object({ groupBy: z.array(z.string()).default([]), measures: z.record(identifier, z.string().min(1, 'give an aggregate expression')) })
      .strict()
      .optional(),
    sort: z.array(z.string()).optional(),
    output: z
      .object({
        table: identifier,
        partitionBy: z.array(z.string()).default([]),
        csv: z.boolean().default(false),
        compression: z.enum(['zstd', 'snappy', 'gzip', 'uncompressed']).default('zstd'),
        /** Split unpartitioned output into files of about this size. */
        targetFileSize: fileSize.optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((j, ctx) => {
    if (j.mode !== 'incremental') return;
    for (const key of ['join', 'aggregate', 'dedupe'] as const) {
      if (j[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['mode'],
          message: `an incremental job runs file by file, but ${key} needs the whole table; use mode: full (or leave mode out)`,
        });
        return;
      }
    }
  });

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `agg(column)`: what a chart measures. Parsed, never pasted: only these aggregates and a plain column name. */
export const MEASURE_PATTERN = /^\s*(count|sum|avg|min|max|median|count_distinct)\s*\(\s*(\*|[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/i;
const measure = z
  .string()
  .regex(MEASURE_PATTERN, 'write a measure as aggregate(column): count(*), sum(x), avg(x), min(x), max(x), median(x) or count_distinct(x)');

export const CHART_KINDS = ['kpi', 'bar', 'line', 'area', 'pie', 'scatter', 'table'] as const;

const chart = z
  .object({
    kind: z.enum(CHART_KINDS),
    title: z.string().optional(),
    /** The category or time column (bar, line, area, pie), or the horizontal axis (scatter). */
    x: z.string().optional(),
    /** The vertical axis of a scatter. */
    y: z.string().optional(),
    /** One series per measure (kpi and pie use the first). */
    measures: z.array(measure).min(1).optional(),
    /** One series per value of this column (bar, line, area): the colour. */
    group: z.string().optional(),
    /** Time buckets for a date or timestamp x; default: chosen from the span of the data. */
    bucket: z.enum(['day', 'week', 'month', 'quarter', 'year']).optional(),
    /** Fixed filters: column → value or list of values. */
    where: z.record(z.string(), z.union([scalar, z.array(scalar)])).optional(),
    /** Columns of a table chart (default: all). */
    columns: z.array(z.string()).optional(),
    /** Most categories, points or rows shown. */
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const need = (key: 'x' | 'y' | 'measures', why: string) => {
      if (c[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a ${c.kind} chart needs ${key}: ${why}` });
    };
    if (c.kind === 'kpi') need('measures', 'e.g. measures: ["sum(revenue)"]');
    if (['bar', 'line', 'area', 'pie'].includes(c.kind)) {
      need('x', 'the column along the axis, e.g. x: country');
      need('measures', 'e.g. measures: ["count(*)"]');
    }
    if (c.kind === 'scatter') {
      need('x', 'a numeric column');
      need('y', 'a numeric column');
    }
  });

const dashboard = z
  .object({
    title: z.string().optional(),
    table: tableRef,
    /** Columns the viewer can filter every chart by. */
    filters: z.array(z.string()).default([]),
    charts: z.array(chart).min(1, 'add at least one chart'),
  })
  .strict();

const zoneLocation = z.string().min(1, 'give a folder path or s3://bucket/prefix');

/**
 * Where the pipeline's events (table.updated, schema.changed, run.failed,
 * run.quarantined, object.created) are published besides the local event
 * log: an SNS topic, an EventBridge bus, or both, with the same payloads.
 */
export const notifySchema = z
  .object({
    snsTopicArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
        'give the topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:sluice-events',
      )
      .optional(),
    eventBus: z
      .string()
      .regex(
        /^([A-Za-z0-9._\-/]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256})$/,
        'give the event bus name (default for the account default bus) or its ARN',
      )
      .optional(),
  })
  .strict()
  .refine((n) => n.snsTopicArn !== undefined || n.eventBus !== undefined, 'name an snsTopicArn, an eventBus, or both');

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const bucketName = z
  .string()
  .regex(
    /^(?!xn--)(?!sthree-)(?!.*-s3alias$)(?!.*--ol-s3$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'S3 bucket names are 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
  );

const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'give an email address, e.g. ops@example.com');

/**
 * What `sluice deploy aws` stands up, and how the deployed Lambda behaves.
 * Every key is optional: `aws: {}` deploys a secure default.
 */
const aws = z
  .object({
    /** Region to deploy to; default: AWS_REGION, else the profile's region. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'give a region code, e.g. eu-west-1')
      .optional(),
    /** CloudFormation stack name; also the prefix of the resources' names. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'use letters, digits and hyphens (at most 64), starting with a letter')
      .default('sluice'),
    /** crawler: the seed's Glue crawler catalogs the processed bucket; direct: the Lambda registers tables itself, sub-second. */
    catalog: z.enum(['crawler', 'direct']).default('direct'),
    /** Bucket names per zone; a zone left out gets a generated name. */
    buckets: z
      .object({ raw: bucketName.optional(), processed: bucketName.optional(), final: bucketName.optional(), quarantine: bucketName.optional() })
      .strict()
      .default({}),
    lambda: z
      .object({
        memoryMb: z.number().int().min(512).max(10_240).default(3008),
        timeoutSeconds: z.number().int().min(30).max(900).default(900),
        /** Most concurrent preprocess invocations (default: the account's unreserved pool). */
        reservedConcurrency: z.number().int().min(1).max(1000).optional(),
        /** /tmp size: DuckDB spills there and S3 objects are copied there. */
        ephemeralStorageMb: z.number().int().min(512).max(10_240).default(4096),
        architecture: z.enum(['arm64', 'x86_64']).default('arm64'),
      })
      .strict()
      .default({ memoryMb: 3008, timeoutSeconds: 900, ephemeralStorageMb: 4096, architecture: 'arm64' }),
    glue: z
      .object({
        version: z.enum(['4.0', '5.0']).default('5.0'),
        workerType: z.enum(['G.025X', 'G.1X', 'G.2X', 'G.4X', 'G.8X']).default('G.1X'),
        workers: z.number().int().min(2).max(299).default(2),
        /** When the crawler runs (aws.catalog: crawler): a CloudWatch schedule expression. */
        crawlerSchedule: z
          .string()
          .regex(/^cron\(.+\)$/, 'write a schedule as cron(minutes hours day-of-month month day-of-week year), e.g. cron(0/15 * * * ? *)')
          .default('cron(0/15 * * * ? *)'),
      })
      .strict()
      .default({ version: '5.0', workerType: 'G.1X', workers: 2, crawlerSchedule: 'cron(0/15 * * * ? *)' }),
    /** An Athena query scanning more than this is cancelled (the workgroup's limit). */
    athena: z
      .object({ bytesScannedCutoffMb: z.number().int().min(10).default(10_240) })
      .strict()
      .default({ bytesScannedCutoffMb: 10_240 }),
    retention: z
      .object({
        logDays: z
          .number()
          .int()
          .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `CloudWatch keeps logs for one of ${LOG_RETENTION_DAYS.join(', ')} days`)
          .default(30),
        quarantineDays: z.number().int().min(1).default(90),
        athenaResultsDays: z.number().int().min(1).default(30),
      })
      .strict()
      .default({ logDays: 30, quarantineDays: 90, athenaResultsDays: 30 }),
    /** QuickSight needs an account subscription: name the user or group that owns the data source, datasets and dashboards. */
    quicksight: z
      .object({
        principal: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/.+$/,
            'give a QuickSight user or group ARN, e.g. arn:aws:quicksight:eu-west-1:123456789012:user/default/alice',
          ),
      })
      .strict()
      .optional(),
    /** Who hears about alarms and pipeline failures (SNS subscriptions). */
    alerts: z
      .object({
        email: z.array(email).default([]),
        https: z.array(z.string().regex(/^https:\/\/[^\s]+$/, 'give an https:// URL')).default([]),
      })
      .strict()
      .default({ email: [], https: [] }),
  })
  .strict();

export const sluiceConfigSchema = z
  .object({
    zones: z
      .object({
        raw: zoneLocation.default('data/raw'),
        processed: zoneLocation.default('data/processed'),
        final: zoneLocation.default('data/final'),
        quarantine: zoneLocation.default('data/quarantine'),
      })
      .strict()
      .default({ raw: 'data/raw', processed: 'data/processed', final: 'data/final', quarantine: 'data/quarantine' }),
    defaults: preprocessDefaults.default(() => preprocessDefaults.parse({})),
    datasets: z.record(datasetName, dataset).default({}),
    jobs: z.record(identifier, job).default({}),
    dashboards: z.record(identifier, dashboard).default({}),
    notify: notifySchema.optional(),
    notifications: notificationsSchema.default(() => notificationsSchema.parse({})),
    aws: aws.default(() => aws.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const issue of jobGraphIssues(config.jobs)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

/** The tables a job reads: its source and every joined table. */
export function jobInputs(j: { source: string; join?: { table: string } | { table: string }[] }): string[] {
  const joins = j.join === undefined ? [] : Array.isArray(j.join) ? j.join : [j.join];
  return [j.source, ...joins.map((x) => x.table)];
}

/** Two jobs writing one table, and jobs that read their own output through a chain of jobs. */
function jobGraphIssues(jobs: Record<string, z.infer<typeof job>>): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const writer = new Map<string, string>();
  for (const [name, j] of Object.entries(jobs)) {
    const table = `final.${j.output.table}`;
    const other = writer.get(table);
    if (other) issues.push({ path: ['jobs', name, 'output', 'table'], message: `job ${other} already writes ${table}; give each job its own output table` });
    else writer.set(table, name);
  }
  // Depth-first search over "job reads a table another job writes".
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, 'visiting');
    for (const input of jobInputs(jobs[name] as z.infer<typeof job>)) {
      const upstream = writer.get(input);
      if (!upstream) continue;
      const cycle = visit(upstream, [...trail, name]);
      if (cycle) return cycle;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(jobs)) {
    const cycle = visit(name, []);
    if (cycle) {
      // Point at the input of the first job that the next job in the cycle writes.
      const first = jobs[cycle[0] as string] as z.infer<typeof job>;
      const nextOutput = `final.${jobs[cycle[1] as string]?.output.table}`;
      const k = jobInputs(first).indexOf(nextOutput);
      const inputPath = k <= 0 ? ['source'] : Array.isArray(first.join) ? ['join', k - 1, 'table'] : ['join', 'table'];
      issues.push({
        path: ['jobs', cycle[0] as string, ...inputPath],
        message: `jobs form a cycle: ${cycle.map((n) => `${n} (writes final.${jobs[n]?.output.table})`).join(' → ')}; a job cannot read, directly or through other jobs, the table it writes`,
      });
      break;
    }
  }
  return issues;
}

export type SluiceConfig = z.infer<typeof sluiceConfigSchema>;
/** sluice.yaml as written, before defaults are applied. */
export type ConfigInput = z.input<typeof sluiceConfigSchema>;
export type DatasetConfig = z.infer<typeof dataset>;
export type JobConfig = z.infer<typeof job>;
export type DashboardConfig = z.infer<typeof dashboard>;
export type ChartConfig = z.infer<typeof chart>;
export type PreprocessDefaults = z.infer<typeof preprocessDefaults>;
export type MissingPolicy = z.infer<typeof missingPolicy>;
export type DedupePolicy = z.infer<typeof dedupePolicy>;
export type LetterCase = NonNullable<z.infer<typeof columnSpec>['case']>;
export type Rule = z.infer<typeof rule>;
export type AwsConfig = z.infer<typeof aws>;
