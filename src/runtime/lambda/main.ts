/**
 * The deployed Lambda's entry (`handler`) and its composition root: the one
 * place that knows that in AWS the zones are S3 prefixes, the run queue,
 * bookmarks and catalog are DynamoDB tables, the catalog is published to the
 * Glue Data Catalog (unless a Glue crawler owns it), jobs may run as Glue
 * jobs, reports and job runs are objects in the quarantine zone, and events
 * go to the SNS topic or EventBridge bus `notify:` names.
 *
 * Configuration, all standard or Sluice's own:
 * - `SLUICE_CONFIG_URI`: the project's sluice.yaml, as `s3://bucket/key` or a
 *   path (default: `sluice.yaml` in the function's package, LAMBDA_TASK_ROOT).
 *   Every zone must end up an `s3://` location: a Lambda has no folder.
 * - `SLUICE_ZONE_RAW`, `SLUICE_ZONE_PROCESSED`, `SLUICE_ZONE_FINAL`,
 *   `SLUICE_ZONE_QUARANTINE`: `s3://<bucket>/<prefix>`, in place of the
 *   zones of sluice.yaml (often written for local folders).
 * - `SLUICE_SNS_TOPIC_ARN`, `SLUICE_EVENT_BUS` (name or ARN): where events
 *   are published, in place of or besides `notify:`.
 * - `SLUICE_CATALOG`: `direct` (default, or `aws.catalog`): the Lambda crawls
 *   processed files and registers their tables in the Glue Data Catalog;
 *   `crawler`: a Glue crawler owns the catalog and the Lambda only
 *   preprocesses (it writes nothing to Glue).
 * - `SLUICE_GLUE_JOBS`: `{"<job in sluice.yaml>": "<Glue job name>"}` as
 *   JSON, naming every job: jobs run as Glue jobs, never in the Lambda, which
 *   starts the Glue jobs that read a table it updated (environment.ts,
 *   glue-jobs.ts).
 * - `SLUICE_STATE_PREFIX`: the DynamoDB tables' name prefix (default `sluice-`).
 * - `SLUICE_GLUE_DATABASE_PREFIX`: the Glue databases' name prefix (default
 *   `sluice_`: `sluice_processed`, `sluice_final`).
 * - `SLUICE_IDEMPOTENCY_TABLE`: the DynamoDB table of Powertools idempotency
 *   records (tables.ts, `idempotencyTableDefinition`): a repeat delivery of a
 *   raw object version returns at once. Unset, idempotency is off and the run
 *   queue's key (stage, key, content hash) still keeps repeats from queuing
 *   anything.
 * - `POWERTOOLS_SERVICE_NAME` (default `sluice`): the logs' `service` and the
 *   metrics' `service` dimension; `POWERTOOLS_METRICS_NAMESPACE` (default
 *   `Sluice`): the CloudWatch namespace of the metrics (powertools.ts,
 *   METRICS) written as EMF at the end of every invocation.
 * - `POWERTOOLS_LOG_LEVEL`, else `SLUICE_LOG_LEVEL`: info (default), warn,
 *   error or silent (or debug, trace, critical); logs are JSON, one object per
 *   line, with the request context.
 * - AWS credentials, `AWS_REGION` and the `AWS_ENDPOINT_URL_*` endpoints as the
 *   SDK reads them.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { parseConfig } from '../../config/load.js';
import type { SluiceConfig } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { ZONES, type Zone } from '../../core/keys.js';
import { Engine } from '../../engine/duckdb.js';
import { notifySinks, PublishingEvents } from '../../notify/aws.js';
import type { CatalogMode } from '../../stages/chain.js';
import type { Catalog } from '../../stages/ports.js';
import { DynamoBookmarks } from '../../state/dynamodb/bookmarks.js';
import { DynamoCatalog } from '../../state/dynamodb/catalog.js';
import { documentClient, dynamoClientConfig } from '../../state/dynamodb/client.js';
import { DynamoRunQueue } from '../../state/dynamodb/queue.js';
import { tableNames } from '../../state/dynamodb/tables.js';
import { GlueCatalog } from '../../state/glue/catalog.js';
import { GluePublisher } from '../../state/glue/publisher.js';
import { ObjectStoreJobRuns, ObjectStoreReports } from '../../state/objects/records.js';
import { s3ClientConfig } from '../../storage/s3/client.js';
import { parseS3Uri, S3ObjectStore } from '../../storage/s3/s3-object-store.js';
import { lambdaSettings, zoneVariable } from './environment.js';
import { GlueJobLauncher } from './glue-jobs.js';
import { createHandler, type LambdaPorts } from './handler.js';
import { powertoolsFromEnvironment } from './powertools.js';

/** sluice.yaml from S3 (`s3://bucket/key`) or from a path (the function's package by default). */
async function readConfig(env: NodeJS.ProcessEnv, s3: S3Client): Promise<{ config: SluiceConfig; file: string }> {
  const uri = env.SLUICE_CONFIG_URI || path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), 'sluice.yaml');
  if (!uri.startsWith('s3://')) return { config: parseConfig(readFileSync(uri, 'utf8'), uri), file: uri };
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  const where = m && parseS3Uri(`s3://${m[1]}`);
  if (!m || !where) throw new ConfigError(uri, '', 'SLUICE_CONFIG_URI must name an object: s3://<bucket>/<key>');
  const chunks: Buffer[] = [];
  for await (const c of await new S3ObjectStore(where, { client: s3 }).get(m[2] as string)) chunks.push(c as Buffer);
  return { config: parseConfig(Buffer.concat(chunks).toString('utf8'), uri), file: uri };
}

/** Each zone's S3 store; a zone that is not an S3 location is a sluice.yaml mistake here. */
function s3Zones(config: SluiceConfig, file: string, s3: S3Client): Record<Zone, S3ObjectStore> {
  const zones = {} as Record<Zone, S3ObjectStore>;
  for (const zone of ZONES) {
    const where = parseS3Uri(config.zones[zone]);
    if (!where) {
      throw new ConfigError(
        file,
        `zones.${zone}`,
        `"${config.zones[zone]}" is not an s3:// location; in AWS Lambda every zone is an S3 prefix (set it here or in ${zoneVariable(zone)})`,
      );
    }
    zones[zone as Zone] = new S3ObjectStore(where, { client: s3, tmpDir: os.tmpdir() });
  }
  return zones;
}

/**
 * The catalog for the mode: in `direct`, tables kept in DynamoDB and
 * published to the Glue Data Catalog; in `crawler`, DynamoDB only, so the
 * Lambda never writes to a catalog the crawler owns (its chain registers
 * nothing; the catalog only answers preprocess's lookups, and finds nothing).
 */
function catalogFor(mode: CatalogMode, inner: Catalog, glue: GlueClient, env: NodeJS.ProcessEnv): Catalog {
  if (mode === 'crawler') return inner;
  return new GlueCatalog(inner, new GluePublisher(glue, { databasePrefix: env.SLUICE_GLUE_DATABASE_PREFIX ?? 'sluice_' }));
}

export async function composeFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<LambdaPorts> {
  // Logs, metrics and idempotency: Powertools for AWS Lambda (powertools.ts).
  const { log, hooks } = powertoolsFromEnvironment(env);
  const s3 = new S3Client(s3ClientConfig(env));
  const bundled = await readConfig(env, s3);
  const { config, catalog: catalogMode, glueJobs } = lambdaSettings(bundled.config, bundled.file, env);
  const zones = s3Zones(config, bundled.file, s3);
  const glue = new GlueClient({});
  const doc = documentClient(new DynamoDBClient(dynamoClientConfig(env)));
  const names = tableNames(env.SLUICE_STATE_PREFIX ?? 'sluice-');
  const policyOf = (_database: string, table: string) => config.datasets[table]?.schemaChange ?? 'update';
  return {
    raw: zones.raw.where,
    zones,
    // One folder per process: DuckDB locks its scratch database, and a second process on one machine (tests) would be refused.
    engine: await Engine.open({ tempDir: path.join(os.tmpdir(), `sluice-duckdb-${process.pid}`) }),
    config,
    catalog: catalogFor(catalogMode, new DynamoCatalog(doc, names, Date.now, policyOf), glue, env),
    catalogMode,
    ...(glueJobs ? { jobLauncher: new GlueJobLauncher(glueJobs, glue) } : {}),
    bookmarks: new DynamoBookmarks(doc, names.bookmarks),
    queue: new DynamoRunQueue(doc, names.runs),
    // Every event goes to the function's log, and to the SNS topic or EventBridge bus notify: names.
    events: new PublishingEvents({ append: async (event) => log.info(event.type, { event }) }, notifySinks(config.notify), log),
    reports: new ObjectStoreReports(zones.quarantine),
    jobRuns: new ObjectStoreJobRuns(zones.quarantine),
    log,
    hooks,
  };
}

export const handler = createHandler(() => composeFromEnvironment());
