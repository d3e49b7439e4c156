/**
 * `sluice deploy aws [--synth DIR] [--diff] [--stack-name N] [--region R] [--bootstrap] [--yes]`
 * and `sluice destroy aws [--stack-name N] [--region R] [--yes]`: the seed
 * system on AWS from this project's sluice.yaml, through the CDK toolkit
 * library (the same engine as the `cdk` command line, without a cdk.json).
 *
 * - `--synth DIR` writes the cloud assembly (templates, the Lambda bundle,
 *   the Glue scripts) and needs no AWS credentials.
 * - Everything else checks for a region and credentials before it builds
 *   anything, and says what is missing.
 * - Questions the toolkit asks (security-relevant changes, destroying) are
 *   answered on a terminal; elsewhere `--yes` answers them, and without it the
 *   command stops and says so.
 */
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { BootstrapEnvironments, type IIoHost, type IoMessage, type IoRequest, StackSelectionStrategy, Toolkit, ToolkitError } from '@aws-cdk/toolkit-lib';
import { loadConfig } from '../../config/load.js';
import { SluiceError, UsageError } from '../../core/errors.js';
import { checkAwsAccess, regionOf } from '../../infra/aws-access.js';
import { type SynthesizeOptions, synthesizeProject } from '../../infra/synthesize.js';
import { type Command, parse } from '../context.js';
import type { Output } from '../output.js';

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

const OPTIONS = {
  synth: { type: 'string' },
  diff: { type: 'boolean' },
  'stack-name': { type: 'string' },
  region: { type: 'string' },
  bootstrap: { type: 'boolean' },
  yes: { type: 'boolean' },
} as const;

function target(command: string, positionals: string[]): void {
  if (positionals.length !== 1 || positionals[0] !== 'aws') {
    throw new UsageError(
      `${command}: the target is aws: sluice ${command} aws [--stack-name N] [--region R]${command === 'deploy' ? ' [--synth DIR] [--diff]' : ''}`,
    );
  }
}

/** The project's settings for synthesis: sluice.yaml, the stack name, the region when one is known. */
function settings(command: string, dir: string, values: { 'stack-name'?: string; region?: string }): Omit<SynthesizeOptions, 'outdir'> {
  const { config, file } = loadConfig(dir);
  const stackName = values['stack-name'] ?? config.aws.stackName;
  if (!STACK_NAME.test(stackName))
    throw new UsageError(`${command}: --stack-name "${stackName}": use letters, digits and hyphens (at most 64), starting with a letter`);
  const region = regionOf(values.region, config.aws.region, process.env);
  return { projectDir: path.resolve(dir), config, configFile: file, stackName, region: region?.region };
}

/** The toolkit's messages on stderr (info and above); its questions asked on a terminal or answered by --yes. */
function ioHost(output: Output, yes: boolean): IIoHost {
  const shown = new Set(['error', 'warn', 'info', 'result']);
  return {
    async notify(msg: IoMessage<unknown>) {
      if (shown.has(msg.level)) output.err(`${msg.message}\n`);
    },
    async requestResponse<T>(msg: IoRequest<unknown, T>): Promise<T> {
      if (typeof msg.defaultResponse !== 'boolean') return msg.defaultResponse;
      if (yes) return true as T;
      output.err(`${msg.message}\n`);
      if (!process.stdin.isTTY) {
        output.err('sluice: not a terminal, so nothing was confirmed; run again with --yes to go ahead\n');
        return false as T;
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question('(y/N) ')).trim()) as T;
      } finally {
        rl.close();
      }
    },
  };
}

const ONE_STACK = { strategy: StackSelectionStrategy.ALL_STACKS } as const;

/**
 * The toolkit's errors as the command's own: the toolkit's message, and the
 * next step where one is known. A Sluice error raised while synthesizing
 * (a sluice.yaml refused at deploy) keeps its own message and exit code.
 */
async function toolkitStep<T>(command: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const own = err instanceof SluiceError ? err : err instanceof Error && err.cause instanceof SluiceError ? err.cause : undefined;
    if (own) throw own;
    if (!ToolkitError.isToolkitError(err)) throw err;
    let hint = '';
    if (ToolkitError.isAuthenticationError(err)) {
      hint =
        '; credentials were found, but AWS did not accept them or could not be reached (STS GetCallerIdentity): check that they are valid and not expired with `aws sts get-caller-identity`';
    } else if (ToolkitError.isBootstrapError(err) || /bootstrap/i.test(err.message)) {
      hint = '; the account and region need the CDK bootstrap stack once: run `sluice deploy aws --bootstrap`';
    }
    throw new SluiceError(`${command}: ${err.message}${hint}`, { cause: err });
  }
}

export const deploy: Command = async ({ args, dir, output }) => {
  const { values, positionals } = parse('deploy', args, OPTIONS);
  target('deploy', positionals);
  const s = settings('deploy', dir, values);
  if (values.synth !== undefined) {
    if (values.diff || values.bootstrap) throw new UsageError('deploy: --synth writes the cloud assembly only; leave out --diff and --bootstrap');
    const outdir = path.resolve(values.synth);
    const assembly = await synthesizeProject({ ...s, outdir });
    output.out(
      `wrote the cloud assembly of stack ${s.stackName} to ${assembly.directory} (${assembly.stacks.map((st) => st.templateFile).join(', ')}, assets: the Lambda bundle and the Glue scripts)\n` +
        `deploy it with \`sluice deploy aws\`, or \`npx cdk deploy --app ${assembly.directory}\`\n`,
    );
    return 0;
  }
  const access = await checkAwsAccess(values.diff ? 'deploy aws --diff' : 'deploy aws', regionOf(values.region, s.config.aws.region, process.env));
  output.err(`stack ${s.stackName} in ${access.region} (region from ${access.regionFrom}), as access key ${access.accessKeyId}\n`);
  const toolkit = new Toolkit({ ioHost: ioHost(output, values.yes ?? false) });
  const cx = await toolkit.fromAssemblyBuilder((props) =>
    synthesizeProject({ ...s, region: access.region, outdir: props.outdir ?? path.join(s.projectDir, 'cdk.out') }),
  );
  const command = values.diff ? 'deploy aws --diff' : 'deploy aws';
  if (values.diff) {
    await toolkitStep(command, () => toolkit.diff(cx, { stacks: ONE_STACK }));
    return 0;
  }
  if (values.bootstrap) await toolkitStep(command, () => toolkit.bootstrap(BootstrapEnvironments.fromCloudAssemblySource(cx)));
  const result = await toolkitStep(command, () => toolkit.deploy(cx, { stacks: ONE_STACK }));
  for (const stack of result.stacks) {
    output.out(`deployed ${stack.stackName} (${stack.environment.region})\n`);
    for (const [k, v] of Object.entries(stack.outputs)) output.out(`  ${k}: ${v}\n`);
  }
  return 0;
};

export const destroy: Command = async ({ args, dir, output }) => {
  const { values, positionals } = parse('destroy', args, { 'stack-name': OPTIONS['stack-name'], region: OPTIONS.region, yes: OPTIONS.yes });
  target('destroy', positionals);
  const s = settings('destroy', dir, values);
  const access = await checkAwsAccess('destroy aws', regionOf(values.region, s.config.aws.region, process.env));
  output.err(
    `destroying stack ${s.stackName} in ${access.region}; the data buckets and DynamoDB tables are kept (delete them yourself when you no longer need the data)\n`,
  );
  const toolkit = new Toolkit({ ioHost: ioHost(output, values.yes ?? false) });
  const cx = await toolkit.fromAssemblyBuilder((props) =>
    synthesizeProject({ ...s, region: access.region, outdir: props.outdir ?? path.join(s.projectDir, 'cdk.out') }),
  );
  const result = await toolkitStep('destroy aws', () => toolkit.destroy(cx, { stacks: ONE_STACK }));
  for (const stack of result.stacks) output.out(`destroyed ${stack.stackName} (${stack.environment.region})\n`);
  return 0;
};
