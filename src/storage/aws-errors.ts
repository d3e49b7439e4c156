/**
 * AWS error answers can echo the request they refuse: S3's
 * `InvalidAccessKeyId` and `SignatureDoesNotMatch` carry the access key id,
 * the string to sign and the canonical request as fields, and the JSON
 * services' `SignatureDoesNotMatch` message holds the canonical request, with
 * the session token in its `x-amz-security-token` header. Sluice's own errors
 * keep the SDK's error as their cause (its request id and status help), so
 * it is scrubbed of those echoes first.
 */

/** Fields of an AWS error answer that echo the signed request. */
const ECHO_FIELDS = ['AWSAccessKeyId', 'StringToSign', 'StringToSignBytes', 'CanonicalRequest', 'CanonicalRequestBytes', 'SignatureProvided'] as const;

/**
 * A session token as AWS echoes it back: in a canonical request
 * (`x-amz-security-token:<token>`) and in presigned URLs
 * (`X-Amz-Security-Token=<token>`).
 */
export const ECHOED_TOKEN = /(x-amz-security-token\s*[:=]\s*)[^\s&'"\\]+/gi;

/** `text` with any echoed session token replaced by `[redacted]`. */
export function redactEchoedToken(text: string): string {
  return text.replace(ECHOED_TOKEN, '$1[redacted]');
}

/** The SDK error without the fields that echo the request, and with any token in its message redacted (in place). */
export function scrubAwsError<T>(err: T): T {
  if (typeof err !== 'object' || err === null) return err;
  const fields = err as Record<string, unknown>;
  for (const f of ECHO_FIELDS) delete fields[f];
  if (err instanceof Error) {
    err.message = redactEchoedToken(err.message);
    if (err.stack) err.stack = redactEchoedToken(err.stack);
  }
  return err;
}
