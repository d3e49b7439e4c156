/**
 * The deployed Lambda's SLUICE_* settings, read and checked in one place.
 * `sluice deploy aws` sets them (a fixed contract with its stack). The bundled
 * sluice.yaml is usually written for local folders; these say where things
 * are on AWS, and win over it:
 *
 * - `SLUICE_ZONE_RAW`, `SLUICE_ZONE_PROCESSED`, `SLUICE_ZONE_FINAL`,
 *   `SLUICE_ZONE_QUARANTINE`: `s3://<bucket>/<prefix>`, in place of
 *   `zones.<zone>`.
 * - `SLUICE_SNS_TOPIC_ARN`, `SLUICE_EVENT_BUS` (a bus name or ARN): in place
 *   of `notify.snsTopicArn` and `notify.eventBus`, or besides them; checked
 *   by the same rules as `notify:`.
 * - `SLUICE_CATALOG`: `direct` (the Lambda crawls processed files and
 *   registers them in the Glue Data Catalog) or `crawler` (a Glue crawler
 *   does; the Lambda only preprocesses). Default: `aws.catalog`, itself
 *   `direct` by default.
 * - `SLUICE_GLUE_JOBS`: `{ "<job in sluice.yaml>": "<Glue job name>" }` as
 *   JSON. When set, every job of sluice.yaml is a Glue job and the Lambda
 *   runs none itself; it names each job, and only those.
 *
 * An empty variable counts as unset (a stack cannot always leave one out). A
 * bad value is a ConfigError naming the variable, raised when the function
 * composes itself: it fails at its first event with the reason, rather than
 * put data anywhere else.
 */
import { z } from 'zod';
import { notifySchema, type SluiceConfig } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { ZONES, type Zone } from '../../core/keys.js';
import { closest } from '../../core/suggest.js';
import type { CatalogMode } from '../../stages/chain.js';
import { parseS3Uri } from '../../storage/s3/s3-object-store.js';

/** What a ConfigError about a variable names as its source. */
export const ENVIRONMENT = 'Lambda environment';

/** The variable that moves a zone. */
export const zoneVariable = (zone: Zone) => `SLUICE_ZONE_${zone.toUpperCase()}`;

export interface LambdaSettings {
  /** sluice.yaml with the environment's zones, notify targets and catalog mode in it. */
  config: SluiceConfig;
  catalog: CatalogMode;
  /** Glue job name by job of sluice.yaml, when jobs run on Glue. */
  glueJobs?: Readonly<Record<string, string>>;
}

const NOTIFY_VARIABLES = { SLUICE_SNS_TOPIC_ARN: 'snsTopicArn', SLUICE_EVENT_BUS: 'eventBus' } as const;
const CATALOG_MODES: readonly CatalogMode[] = ['direct', 'crawler'];

/** Glue's rule for a job name: 1 to 255 characters on one line. */
const glueJobName = z.string().regex(/^[\t\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]{1,255}$/u);

/** The settings sluice.yaml (read from `file`) takes on under this environment. */
export function lambdaSettings(config: SluiceConfig, file: string, env: NodeJS.ProcessEnv): LambdaSettings {
  const catalog = catalogMode(env) ?? config.aws.catalog;
  const glueJobs = glueJobsOf(env, config, file);
  return {
    config: { ...config, zones: zonesOf(env, config), notify: notifyOf(env, config), aws: { ...config.aws, catalog } },
    catalog,
    ...(glueJobs ? { glueJobs } : {}),
  };
}

const variable = (env: NodeJS.ProcessEnv, name: string): string | undefined => env[name] || undefined;

function zonesOf(env: NodeJS.ProcessEnv, config: SluiceConfig): SluiceConfig['zones'] {
  const zones = { ...config.zones };
  for (const zone of ZONES) {
    const name = zoneVariable(zone);
    const value = variable(env, name);
    if (value === undefined) continue;
    if (!parseS3Uri(value)) {
      throw new ConfigError(ENVIRONMENT, name, `"${value}" is not an s3:// location; give s3://<bucket>/<prefix> (it replaces zones.${zone} of sluice.yaml)`);
    }
    zones[zone] = value;
  }
  return zones;
}

function notifyOf(env: NodeJS.ProcessEnv, config: SluiceConfig): SluiceConfig['notify'] {
  const notify = { ...config.notify };
  for (const [name, key] of Object.entries(NOTIFY_VARIABLES)) {
    const value = variable(env, name);
    if (value === undefined) continue;
    const checked = notifySchema.safeParse({ [key]: value });
    if (!checked.success)
      throw new ConfigError(ENVIRONMENT, name, `"${value}": ${checked.error.issues[0]?.message} (it stands for notify.${key} of sluice.yaml)`);
    notify[key] = value;
  }
  return notify.snsTopicArn || notify.eventBus ? notify : undefined;
}

function catalogMode(env: NodeJS.ProcessEnv): CatalogMode | undefined {
  const value = variable(env, 'SLUICE_CATALOG');
  if (value === undefined) return undefined;
  const mode = CATALOG_MODES.find((m) => m === value);
  if (!mode) {
    throw new ConfigError(
      ENVIRONMENT,
      'SLUICE_CATALOG',
      `"${value}" must be "direct" (the Lambda registers processed files in the Glue Data Catalog) or "crawler" (a Glue crawler does)`,
    );
  }
  return mode;
}

function glueJobsOf(env: NodeJS.ProcessEnv, config: SluiceConfig, file: string): Record<string, string> | undefined {
  const value = variable(env, 'SLUICE_GLUE_JOBS');
  if (value === undefined) return undefined;
  const fail = (detail: string) => new ConfigError(ENVIRONMENT, 'SLUICE_GLUE_JOBS', detail);
  const example = '{"orders_clean": "sluice-orders_clean"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw fail(`not valid JSON (${(err as Error).message}); give an object of job name in sluice.yaml to Glue job name, e.g. ${example}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fail(`give an object of job name in sluice.yaml to Glue job name, e.g. ${example}`);
  }
  const names = Object.keys(config.jobs);
  for (const [job, glueJob] of Object.entries(parsed)) {
    if (!glueJobName.safeParse(glueJob).success) throw fail(`"${job}": give the Glue job's name, 1 to 255 characters on one line`);
    if (!config.jobs[job]) {
      const near = closest(job, names);
      const hint = near ? ` (did you mean "${near}"?)` : names.length ? ` (its jobs: ${names.join(', ')})` : ' (it has no jobs)';
      throw fail(`"${job}" is not a job in ${file}${hint}`);
    }
  }
  const missing = names.filter((job) => !(job in parsed));
  if (missing.length) {
    throw fail(
      `no Glue job for ${missing.map((j) => `"${j}"`).join(', ')} of ${file}; every job runs on Glue when SLUICE_GLUE_JOBS is set: add ${missing.map((j) => `"${j}": "<Glue job name>"`).join(', ')}`,
    );
  }
  return parsed as Record<string, string>;
}
