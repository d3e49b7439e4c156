/**
 * `sluice deploy aws` and `sluice destroy aws` through the real CLI. No AWS
 * account is reachable here: these tests cover what needs none (the cloud
 * assembly written by --synth, offline) and the fast, named refusal when a
 * region or credentials are missing. The deploy itself is the CDK toolkit
 * library's; it is not run against a mock CloudFormation here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESIGN_EXAMPLE } from '../helpers/design-example.js';
import { sluice, tempDir } from '../helpers/project.js';

/** An environment in which the AWS SDK finds no region and no credentials anywhere (no files, no instance metadata). */
function noAws(dir: string): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_REGION: '',
    AWS_DEFAULT_REGION: '',
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
  };
}

const DESIGN_JOBS = `${DESIGN_EXAMPLE}aws:\n  stackName: acme-pipeline\n`;

describe('sluice deploy aws --synth', () => {
  it('writes a cloud assembly with the template, the Lambda bundle and the Glue scripts, with no AWS credentials', async () => {
    // Prepare
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), DESIGN_JOBS);
    const out = path.join(dir, 'cdk.out');

    // Act
    const r = await sluice(['deploy', 'aws', '--synth', out, '--region', 'eu-west-1', '--dir', dir], { env: noAws(dir), timeoutMs: 120_000 });

    // Assess
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote the cloud assembly of stack acme-pipeline to ${out}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    const stack = manifest.artifacts['acme-pipeline'];
    expect(stack.type).toBe('aws:cloudformation:stack');
    expect(stack.environment).toBe('aws://unknown-account/eu-west-1');
    const template = JSON.parse(fs.readFileSync(path.join(out, stack.properties.templateFile), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::Glue::Database', 'AWS::Glue::Job', 'AWS::DynamoDB::Table']),
    );
    const fn = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
    );
    expect(fn?.Properties.Runtime).toMatch(/^nodejs2[2-9]\.x$/);
    // Assets: the Lambda bundle (with its sluice.yaml and DuckDB binding) and one Glue script per job.
    const assets = fs.readdirSync(out).filter((f) => f.startsWith('asset.'));
    expect(fs.existsSync(path.join(out, 'sluice-staging'))).toBe(false);
    const bundle = assets.map((a) => path.join(out, a)).find((a) => fs.existsSync(path.join(a, 'index.mjs')));
    expect(bundle).toBeDefined();
    expect(fs.readFileSync(path.join(bundle as string, 'sluice.yaml'), 'utf8')).toBe(DESIGN_JOBS);
    expect(fs.readdirSync(path.join(bundle as string, 'node_modules/@duckdb')).some((d) => d.startsWith('node-bindings-linux-'))).toBe(true);
    const scripts = assets.filter((a) => a.endsWith('.py')).map((a) => fs.readFileSync(path.join(out, a), 'utf8'));
    expect(scripts).toHaveLength(2);
    expect(scripts.some((s) => s.includes("date_format(`order_date`, 'yyyy-MM')"))).toBe(true);
  });

  it('refuses a job expression Spark has no equivalent for, naming its YAML path, before writing anything', async () => {
    // Prepare
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'sluice.yaml'),
      'jobs:\n  j:\n    source: processed.orders\n    derive:\n      h: "levenshtein(a, b)"\n    output: { table: t }\n',
    );
    const out = path.join(dir, 'cdk.out');

    // Act
    const r = await sluice(['deploy', 'aws', '--synth', out, '--dir', dir], { env: noAws(dir), timeoutMs: 120_000 });

    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('jobs.j.derive.h');
    expect(r.stderr).toContain('levenshtein');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('sluice deploy aws without AWS access', () => {
  it('fails fast naming the missing credentials and how to provide them', async () => {
    // Prepare
    const dir = tempDir();

    // Act
    const r = await sluice(['deploy', 'aws', '--region', 'eu-west-1', '--dir', dir], { env: noAws(dir) });

    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('deploy aws: no AWS credentials found');
    expect(r.stderr).toContain('AWS_PROFILE');
    expect(r.stderr).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(r.stderr).toContain('Nothing was changed');
    expect(fs.existsSync(path.join(dir, 'cdk.out'))).toBe(false);
  });

  it('says when AWS does not accept the credentials found, after the synth, with how to check them', async () => {
    // Prepare: credentials in the environment, and an STS endpoint that refuses every connection.
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), 'aws: { region: eu-west-1 }\n');
    const env = { ...noAws(dir), AWS_ACCESS_KEY_ID: 'AKIASLUICEREFUSED01', AWS_SECRET_ACCESS_KEY: 'refused', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' };

    // Act
    const r = await sluice(['deploy', 'aws', '--diff', '--dir', dir], { env, timeoutMs: 120_000 });

    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sluice: deploy aws --diff: Unable to resolve AWS account');
    expect(r.stderr).toContain('`aws sts get-caller-identity`');
    expect(r.stderr).not.toContain('unexpected error');
  });

  it('names the missing region before looking for credentials', async () => {
    // Prepare
    const dir = tempDir();

    // Act
    const r = await sluice(['deploy', 'aws', '--diff', '--dir', dir], { env: noAws(dir) });

    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('deploy aws --diff: no AWS region; set aws.region in sluice.yaml, pass --region, or set AWS_REGION');
  });

  it('takes credentials from a named profile, and says when that profile has none', async () => {
    // Prepare
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'no-aws-config'), '[profile other]\nregion = eu-west-1\n');

    // Act
    const r = await sluice(['destroy', 'aws', '--dir', dir], { env: { ...noAws(dir), AWS_PROFILE: 'deployer', AWS_REGION: 'eu-west-1' } });

    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destroy aws: no AWS credentials found (AWS_PROFILE=deployer gave none');
  });

  it('refuses another target and a malformed stack name as usage errors', async () => {
    // Prepare
    const dir = tempDir();

    // Act
    const gcp = await sluice(['deploy', 'gcp', '--dir', dir], { env: noAws(dir) });
    const bad = await sluice(['deploy', 'aws', '--stack-name', '9lives', '--dir', dir], { env: noAws(dir) });

    // Assess
    expect(gcp.code).toBe(2);
    expect(gcp.stderr).toContain('deploy: the target is aws');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--stack-name "9lives"');
  });
});
