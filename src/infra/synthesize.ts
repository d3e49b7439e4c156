/**
 * The project's sluice.yaml as a CDK app: Glue scripts generated from its
 * jobs (refused at this point when an expression has no Spark equivalent),
 * final tables' columns from the local catalog when the pipeline has run
 * here, then the stack. Used by `sluice deploy aws --synth DIR` (offline) and
 * by the deploy itself (through the CDK toolkit's assembly builder).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { SluiceConfig } from '../config/schema.js';
import { Engine } from '../engine/duckdb.js';
import { buildApp } from './app.js';
import { checkDeployable } from './checks.js';
import { glueJobScripts } from './glue/script.js';
import { readLocalCatalogColumns } from './local-catalog.js';
import { glueDatabaseNames } from './names.js';

export interface SynthesizeOptions {
  projectDir: string;
  config: SluiceConfig;
  /** sluice.yaml's path, for messages (undefined when the project has none). */
  configFile?: string;
  outdir: string;
  stackName: string;
  region?: string;
  account?: string;
}

/** The CDK app for this project, ready for `synth()`. */
export async function projectApp(o: SynthesizeOptions): Promise<App> {
  checkDeployable(o.config, o.configFile);
  const engine = await Engine.open({ tempDir: path.join(os.tmpdir(), `sluice-deploy-duckdb-${process.pid}`) });
  let glueScripts: Map<string, string>;
  try {
    glueScripts = await glueJobScripts(engine, o.config, { databases: glueDatabaseNames(o.stackName) }, o.configFile);
  } finally {
    await engine.close();
  }
  return buildApp({
    config: o.config,
    configFile: o.configFile,
    projectDir: o.projectDir,
    outdir: o.outdir,
    stackName: o.stackName,
    region: o.region,
    account: o.account,
    glueScripts,
    knownColumns: await readLocalCatalogColumns(o.projectDir),
  });
}

/**
 * The project's cloud assembly in `o.outdir`. The staged copies the assets
 * were taken from (app.ts) are removed after the synth: the assembly holds its
 * own copies, and the Lambda package alone is about 70 MB.
 */
export async function synthesizeProject(o: SynthesizeOptions): Promise<CloudAssembly> {
  const assembly = (await projectApp(o)).synth();
  await fs.rm(path.join(o.outdir, 'sluice-staging'), { recursive: true, force: true });
  return assembly;
}
