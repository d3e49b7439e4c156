/**
 * The `sluice.yaml` schema. Top-level keys are fixed by the design; unknown
 * keys are refused (a typo must not be silently ignored).
 */
import { z } from 'zod';
import { toDuckType } from '../core/types.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and underscores, not starting with a digit');

const userType = z.string().refine((t) => toDuckType(t) !== undefined, {
  message: 'unknown type; use one of string, int, bigint, double, decimal(p,s), boolean, date, timestamp (or a DuckDB type name)',
});

const missingPolicy = z.union([
  z.enum(['keep', 'drop', 'mean', 'median', 'mode', 'ffill']),
  z.object({ constant: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
]);

const columnSpec = z
  .object({
    type: userType.optional(),
    format: z.string().optional(),
    nullTokens: z.array(z.string()).optional(),
    missing: missingPolicy.optional(),
  })
  .strict();

/** `exact` drops rows identical in every column; `{ keys, keep }` keeps one row per key (the first or last in file order). */
const dedupePolicy = z.union([
  z.enum(['exact', 'none']),
  z.object({ keys: z.array(z.string()).min(1, 'name at least one key column'), keep: z.enum(['first', 'last']).default('first') }).strict(),
]);

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
    dedupe: dedupePolicy.default('exact'),
    typeOutliers: z.enum(['null', 'text']).default('null'),
    minTypeShare: z.number().gt(0).max(1).default(0.95),
    zeroOneAsBoolean: z.boolean().default(false),
    dateOrder: z.enum(['auto', 'mdy', 'dmy']).default('auto'),
    missing: missingPolicy.default('keep'),
    maxFileBytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 ** 3),
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
  })
  .strict();

const mapping = z.tuple([z.string(), z.string(), z.string(), z.string()]);

const job = z
  .object({
    source: z.string().regex(/^(processed|final)\.[A-Za-z_][A-Za-z0-9_]*$/, 'write the source as processed.<table> or final.<table>'),
    mode: z.enum(['incremental', 'full']).default('incremental'),
    mappings: z.array(mapping).optional(),
    rename: z.record(z.string(), z.string()).optional(),
    drop: z.array(z.string()).optional(),
    derive: z.record(z.string(), z.string()).optional(),
    filter: z.string().optional(),
    dedupe: z.unknown().optional(),
    join: z.unknown().optional(),
    aggregate: z
      .object({ groupBy: z.array(z.string()).default([]), measures: z.record(z.string(), z.string()) })
      .strict()
      .optional(),
    sort: z.array(z.string()).optional(),
    output: z
      .object({
        table: identifier,
        partitionBy: z.array(z.string()).default([]),
        csv: z.boolean().default(false),
        compression: z.enum(['zstd', 'snappy', 'gzip', 'uncompressed']).default('zstd'),
      })
      .strict(),
  })
  .strict();

const zoneLocation = z.string().min(1, 'give a folder path or s3://bucket/prefix');

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
    datasets: z.record(identifier, dataset).default({}),
    jobs: z.record(identifier, job).default({}),
    dashboards: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type SluiceConfig = z.infer<typeof sluiceConfigSchema>;
export type DatasetConfig = z.infer<typeof dataset>;
export type JobConfig = z.infer<typeof job>;
export type PreprocessDefaults = z.infer<typeof preprocessDefaults>;
export type MissingPolicy = z.infer<typeof missingPolicy>;
export type DedupePolicy = z.infer<typeof dedupePolicy>;
export type Rule = z.infer<typeof rule>;
