/**
 * The CDK app of `sluice deploy aws`: one SluiceStack, with cdk-nag's
 * AwsSolutions checks run on every synth (a finding not acknowledged with a
 * reason fails it; the findings are in `validation-report.json` of the cloud
 * assembly, and each acknowledgment is written into its resource's metadata,
 * `cdk_nag.rules_to_suppress`, as an audit trail).
 *
 * Files are staged under `<outdir>/sluice-staging/` before the stack takes
 * them as assets: the Lambda package (the esbuild bundle of `npm run build`
 * for the function's architecture, with the project's sluice.yaml copied in,
 * which the function reads from its package) and each job's Glue script.
 *
 * The app takes the feature flags `cdk init` gives a new project
 * (CURRENTLY_RECOMMENDED_FLAGS), since there is no cdk.json to carry them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_FILE } from '../config/load.js';
import type { SluiceConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { KnownTables } from './final-tables.js';
import { SluiceStack } from './stack.js';

export interface BuildAppOptions {
  config: SluiceConfig;
  /** The sluice.yaml the config came from (default: `<projectDir>/sluice.yaml`, if there is one). */
  configFile?: string;
  projectDir: string;
  /** Where the cloud assembly is written. */
  outdir: string;
  /** Default: aws.stackName. */
  stackName?: string;
  /** Default: aws.region; neither gives an environment-agnostic stack. */
  region?: string;
  account?: string;
  /** The Lambda bundle (index.mjs and its node_modules); default `<package>/dist/lambda/<x64|arm64>`. */
  lambdaBundleDir?: string;
  /** Job name in sluice.yaml → its generated Glue script (Python). */
  glueScripts: Map<string, string>;
  /** The local catalog's tables and columns, for QuickSight datasets (readLocalCatalogColumns). */
  knownColumns?: KnownTables;
}

/** The package's root: this file is `src/infra/app.ts`, compiled to `dist/infra/app.js`. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

export function defaultLambdaBundleDir(architecture: SluiceConfig['aws']['lambda']['architecture']): string {
  return path.join(PACKAGE_ROOT, 'dist', 'lambda', architecture === 'arm64' ? 'arm64' : 'x64');
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** Copy the Lambda bundle and sluice.yaml into one folder: the function's package. */
async function stageLambda(opts: BuildAppOptions, configFile: string | undefined, dir: string): Promise<void> {
  const bundle = opts.lambdaBundleDir ?? defaultLambdaBundleDir(opts.config.aws.lambda.architecture);
  if (!(await exists(path.join(bundle, 'index.mjs')))) {
    throw new ConfigError(
      bundle,
      '',
      `no Lambda bundle here (index.mjs is missing); run \`npm run build\`, which builds dist/lambda/x64 and dist/lambda/arm64 (aws.lambda.architecture is ${opts.config.aws.lambda.architecture})`,
    );
  }
  await fs.cp(bundle, dir, { recursive: true, dereference: true });
  const target = path.join(dir, CONFIG_FILE);
  if (configFile) await fs.copyFile(configFile, target);
  else await fs.writeFile(target, '# The project has no sluice.yaml: the defaults apply.\n');
}

async function stageGlueScripts(scripts: Map<string, string>, dir: string): Promise<Map<string, string>> {
  await fs.mkdir(dir, { recursive: true });
  const files = new Map<string, string>();
  for (const [job, text] of scripts) {
    const file = path.join(dir, `${job}.py`);
    await fs.writeFile(file, text);
    files.set(job, file);
  }
  return files;
}

export async function buildApp(opts: BuildAppOptions): Promise<App> {
  const stackName = opts.stackName ?? opts.config.aws.stackName;
  if (!STACK_NAME.test(stackName)) {
    throw new ConfigError('--stack-name', '', `"${stackName}" is not a stack name: use letters, digits and hyphens (at most 64), starting with a letter`);
  }
  const defaultConfig = path.join(opts.projectDir, CONFIG_FILE);
  const configFile = opts.configFile ?? ((await exists(defaultConfig)) ? defaultConfig : undefined);

  const staging = path.join(opts.outdir, 'sluice-staging');
  await fs.rm(staging, { recursive: true, force: true });
  const lambdaDir = path.join(staging, 'lambda');
  await stageLambda(opts, configFile, lambdaDir);
  const scripts = await stageGlueScripts(opts.glueScripts, path.join(staging, 'glue'));

  const app = new App({ outdir: opts.outdir, context: { ...CURRENTLY_RECOMMENDED_FLAGS } });
  const region = opts.region ?? opts.config.aws.region;
  new SluiceStack(app, stackName, {
    stackName,
    config: opts.config,
    configFile: configFile ?? defaultConfig,
    lambdaCode: lambda.Code.fromAsset(lambdaDir),
    glueScripts: scripts,
    ...(opts.knownColumns ? { knownColumns: opts.knownColumns } : {}),
    ...(region !== undefined || opts.account !== undefined
      ? { env: { ...(opts.account !== undefined ? { account: opts.account } : {}), ...(region !== undefined ? { region } : {}) } }
      : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  return app;
}
