/**
 * buildApp: what it stages into the cloud assembly, how it names and places
 * the stack, what it refuses, and that cdk-nag runs on every synth. Offline:
 * synthesis needs no AWS account.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { buildApp, defaultLambdaBundleDir } from '../../src/infra/app.js';
import type { SluiceStack } from '../../src/infra/stack.js';
import { tempDir } from '../helpers/project.js';
import { DESIGN_EXAMPLE, fakeLambdaBundle, glueScriptsFor, synth, validationReport } from './fixtures.js';

/** The folder of the Lambda's asset in the cloud assembly. */
function lambdaAssetDir(outdir: string, stack: SluiceStack): string {
  const fn = stack.preprocessFunction.node.defaultChild as lambda.CfnFunction;
  const key: string = stack.resolve((fn.code as lambda.CfnFunction.CodeProperty).s3Key);
  return path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

describe('buildApp', () => {
  it('packages the Lambda bundle with the project’s sluice.yaml beside it', async () => {
    // Act
    const s = await synth(DESIGN_EXAMPLE);

    // Assess
    const dir = lambdaAssetDir(s.outdir, s.stack);
    expect(fs.readdirSync(dir).sort()).toEqual(['index.mjs', 'sluice.yaml']);
    expect(fs.readFileSync(path.join(dir, 'sluice.yaml'), 'utf8')).toBe(DESIGN_EXAMPLE);
  });

  it('packages a sluice.yaml saying the defaults apply when the project has none', async () => {
    // Prepare
    const outdir = tempDir('sluice-cdk-out-');
    const config = parseConfig('');

    // Act
    const app = await buildApp({ config, projectDir: tempDir('sluice-project-'), outdir, lambdaBundleDir: fakeLambdaBundle(), glueScripts: new Map() });
    app.synth();

    // Assess
    const stack = app.node.findChild('sluice') as SluiceStack;
    const yaml = fs.readFileSync(path.join(lambdaAssetDir(outdir, stack), 'sluice.yaml'), 'utf8');
    expect(parseConfig(yaml)).toEqual(config);
    expect(yaml).toMatch(/^# The project has no sluice\.yaml/);
  });

  it('takes the stack name, region and account given over aws.stackName and aws.region', async () => {
    // Act
    const s = await synth('aws:\n  stackName: from-yaml\n  region: eu-west-1\n', { stackName: 'from-cli', region: 'us-east-2', account: '123456789012' });

    // Assess
    expect(s.stack.stackName).toBe('from-cli');
    expect(s.stack.region).toBe('us-east-2');
    expect(s.stack.account).toBe('123456789012');
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'from-cli-runs' });
  });

  it('places the stack in aws.region, and leaves it environment-agnostic without one', async () => {
    // Act
    const placed = await synth('aws:\n  region: eu-west-1\n');
    const agnostic = await synth('');

    // Assess
    expect(placed.stack.region).toBe('eu-west-1');
    expect(agnostic.stack.resolve(agnostic.stack.region)).toEqual({ Ref: 'AWS::Region' });
  });

  it('looks for the bundle of the function’s architecture under dist/lambda', () => {
    // Act & Assess
    expect(defaultLambdaBundleDir('arm64')).toMatch(/[/\\]dist[/\\]lambda[/\\]arm64$/);
    expect(defaultLambdaBundleDir('x86_64')).toMatch(/[/\\]dist[/\\]lambda[/\\]x64$/);
  });

  it('refuses a missing Lambda bundle and says to run npm run build', async () => {
    // Prepare
    const config = parseConfig('');
    const empty = tempDir('sluice-no-bundle-');

    // Act
    const built = buildApp({ config, projectDir: tempDir(), outdir: tempDir(), lambdaBundleDir: empty, glueScripts: new Map() });

    // Assess
    await expect(built).rejects.toThrow(ConfigError);
    await expect(built).rejects.toThrow(/index\.mjs is missing.*npm run build/);
    await expect(built).rejects.toThrow(empty);
  });

  it('refuses a job without a Glue script, naming the job', async () => {
    // Prepare
    const config = parseConfig(DESIGN_EXAMPLE);
    const scripts = glueScriptsFor(config);
    scripts.delete('revenue_by_country');

    // Act
    const built = buildApp({ config, projectDir: tempDir(), outdir: tempDir(), lambdaBundleDir: fakeLambdaBundle(), glueScripts: scripts });

    // Assess
    await expect(built).rejects.toThrow(/jobs\.revenue_by_country.*no Glue script/);
  });

  it('refuses a stack name CloudFormation would refuse', async () => {
    // Act
    const built = buildApp({
      config: parseConfig(''),
      projectDir: tempDir(),
      outdir: tempDir(),
      lambdaBundleDir: fakeLambdaBundle(),
      glueScripts: new Map(),
      stackName: '1-bad_name',
    });

    // Assess
    await expect(built).rejects.toThrow(/--stack-name.*"1-bad_name" is not a stack name/);
  });

  it('runs cdk-nag on synth: a finding nobody acknowledged fails it and is in the report', async () => {
    // Prepare
    const config = parseConfig('');
    const outdir = tempDir('sluice-cdk-out-');
    const app = await buildApp({ config, projectDir: tempDir(), outdir, lambdaBundleDir: fakeLambdaBundle(), glueScripts: new Map() });
    new sqs.Queue(app.node.findChild('sluice') as SluiceStack, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });

    // Act
    const synthesize = () => app.synth();

    // Assess
    expect(synthesize).toThrow(/AwsSolutions-SQS2/);
    const violations = validationReport(outdir).pluginReports.flatMap((p) => p.violations);
    expect(violations).toContainEqual(
      expect.objectContaining({
        ruleName: 'AwsSolutions-SQS2',
        severity: 'error',
        violatingConstructs: [expect.objectContaining({ constructPath: 'sluice/Unencrypted/Resource' })],
      }),
    );
  });
});
