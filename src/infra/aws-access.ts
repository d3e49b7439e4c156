/**
 * Before `sluice deploy aws`, `--diff` or `destroy aws` synthesizes anything
 * (which bundles the Lambda and generates Glue scripts), check that there is
 * somewhere to deploy to: a region and credentials, found the way the AWS CLI
 * finds them. Nothing here calls AWS: the region and the credentials are
 * resolved locally (environment, shared config and credentials files, SSO
 * cache, process credentials, container or instance metadata).
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SluiceError } from '../core/errors.js';

/** No region or no credentials: a configuration problem (exit code 2), named with its fix. */
export class AwsAccessError extends SluiceError {
  override readonly exitCode = 2;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AwsAccessError';
  }
}

export interface AwsAccess {
  region: string;
  /** Where the region came from, for the command's first line. */
  regionFrom: string;
  /** The access key id (never the secret), so the user sees which identity deploys. */
  accessKeyId: string;
}

/** The region from --region, then `aws.region` in sluice.yaml, then the environment. */
export function regionOf(flag: string | undefined, configured: string | undefined, env: NodeJS.ProcessEnv): { region: string; from: string } | undefined {
  if (flag) return { region: flag, from: '--region' };
  if (configured) return { region: configured, from: 'aws.region in sluice.yaml' };
  if (env.AWS_REGION) return { region: env.AWS_REGION, from: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { region: env.AWS_DEFAULT_REGION, from: 'AWS_DEFAULT_REGION' };
  return undefined;
}

const CREDENTIAL_HELP =
  'set AWS_PROFILE to a profile from `aws configure` or `aws configure sso` (run `aws sso login` first for SSO), ' +
  'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)';

/**
 * The region and credentials a deployment would use, or an AwsAccessError
 * naming what is missing. Instance metadata is tried with a short timeout,
 * so a laptop without credentials hears about it in about a second.
 */
export async function checkAwsAccess(
  command: string,
  region: { region: string; from: string } | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AwsAccess> {
  if (!region) {
    throw new AwsAccessError(`${command}: no AWS region; set aws.region in sluice.yaml, pass --region, or set AWS_REGION. Nothing was changed.`);
  }
  if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(region.region)) {
    throw new AwsAccessError(`${command}: "${region.region}" (from ${region.from}) is not an AWS region code; use one like eu-west-1`);
  }
  try {
    const credentials = await fromNodeProviderChain({ profile: env.AWS_PROFILE, timeout: 1000, maxRetries: 0 })();
    return { region: region.region, regionFrom: region.from, accessKeyId: credentials.accessKeyId };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const profile = env.AWS_PROFILE ? ` (AWS_PROFILE=${env.AWS_PROFILE} gave none: ${why})` : '';
    throw new AwsAccessError(`${command}: no AWS credentials found${profile}; ${CREDENTIAL_HELP}. Nothing was changed.`, { cause: err });
  }
}
