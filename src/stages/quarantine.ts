/**
 * A whole raw file that cannot go on: a copy goes to
 * `quarantine/<dataset>/<file>` beside `<file>.error.json` with the reason.
 * The raw object itself is never touched. Between S3 zones the copy is made
 * inside S3, so a file refused for its size is never downloaded.
 */
import { quarantinedFileKeyFor } from '../core/keys.js';
import type { Zones } from './deps.js';

export async function quarantineRawFile(
  zones: Pick<Zones, 'raw' | 'quarantine'>,
  rawKey: string,
  sha256: string,
  reason: string,
  details: Record<string, unknown> = {},
): Promise<string> {
  const keys = quarantinedFileKeyFor(rawKey);
  const copied = await zones.quarantine.copyFrom?.(zones.raw, rawKey, keys.file);
  if (!copied) await zones.quarantine.put(keys.file, await zones.raw.get(rawKey));
  await zones.quarantine.put(keys.reason, `${JSON.stringify({ rawKey, sha256, reason, ...details, at: new Date().toISOString() }, null, 2)}\n`);
  return keys.file;
}
