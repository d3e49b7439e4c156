/**
 * Fixtures of the CDK tests: sluice.yaml texts, a stand-in Lambda bundle, and
 * an app built by `buildApp` and synthesized, with its template and cdk-nag's
 * report.
 *
 * The template tests do not depend on the bundle's content (the stack takes
 * the folder as an asset and never reads the files), so the bundle is a small
 * `index.mjs`; likewise the Glue scripts are small Python programs made here,
 * one per job (the stack uploads them as they are).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../src/config/load.js';
import type { SluiceConfig } from '../../src/config/schema.js';
import { buildApp } from '../../src/infra/app.js';
import type { KnownTables } from '../../src/infra/final-tables.js';
import type { SluiceStack } from '../../src/infra/stack.js';
import { DESIGN_EXAMPLE } from '../helpers/design-example.js';
import { tempDir } from '../helpers/project.js';

/** The pipeline of shared/DESIGN.md: a dataset, an incremental job and a full job reading the first one's output. */
export { DESIGN_EXAMPLE };

/** The design example deployed with Glue crawlers, with two more datasets: one whose schema must not change, one whose changes are only logged. */
export const CRAWLER_EXAMPLE = `${DESIGN_EXAMPLE.replace('  orders:\n    columns:', '  customers:\n    schemaChange: fail\n  events:\n    schemaChange: log\n  orders:\n    columns:')}aws:
  catalog: crawler
`;

/** A folder standing in for dist/lambda/<arch>: the stack only packages it. */
export function fakeLambdaBundle(): string {
  const dir = tempDir('sluice-bundle-');
  fs.writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => ({});\n');
  return dir;
}

/** A small valid Glue script per job of the config. */
export function glueScriptsFor(config: SluiceConfig): Map<string, string> {
  return new Map(Object.keys(config.jobs).map((job) => [job, `import sys\nprint("sluice job ${job}", sys.argv)\n`]));
}

export interface Synthesized {
  app: App;
  stack: SluiceStack;
  config: SluiceConfig;
  template: Template;
  outdir: string;
  projectDir: string;
}

/** Parse a sluice.yaml text (written into a temp project), build the app and synthesize it; cdk-nag runs during the synth. */
export async function synth(
  yaml: string,
  opts: { stackName?: string; account?: string; region?: string; knownColumns?: KnownTables } = {},
): Promise<Synthesized> {
  const projectDir = tempDir('sluice-project-');
  fs.writeFileSync(path.join(projectDir, 'sluice.yaml'), yaml);
  const config = parseConfig(yaml);
  const outdir = tempDir('sluice-cdk-out-');
  const app = await buildApp({ config, projectDir, outdir, lambdaBundleDir: fakeLambdaBundle(), glueScripts: glueScriptsFor(config), ...opts });
  const stack = app.node.children.find((c) => 'preprocessFunction' in c) as SluiceStack;
  const template = Template.fromStack(stack);
  return { app, stack, config, template, outdir, projectDir };
}

/** The cloud assembly's validation report (cdk-nag's findings). */
export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

export function validationReport(outdir: string): ValidationReport {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
}
