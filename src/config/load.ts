import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { type SluiceConfig, sluiceConfigSchema } from './schema.js';

export const CONFIG_FILE = 'sluice.yaml';

/** Render a zod issue path the way the user wrote it: `jobs.sales.mappings[2]`. */
export function formatYamlPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, p: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let last: unknown = node;
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      last = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      last = node;
    } else break;
  }
  const range = (last as { range?: [number, number] } | null)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or correct ${issue.keys.length > 1 ? 'them' : 'it'} (see docs/sluice-yaml.md)`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_type') {
    return `expected ${issue.expected}${issue.message.includes('received') ? `, ${issue.message.slice(issue.message.indexOf('received'))}` : ''}`;
  }
  return issue.message;
}

/** Parse and validate YAML text; `file` is used in messages only. */
export function parseConfig(text: string, file = CONFIG_FILE): SluiceConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0] ?? counter.linePos(yamlError.pos[0]);
    throw new ConfigError(file, pos ? `line ${pos.line}, column ${pos.col}` : '', `not valid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, '', 'the top level must be a mapping of keys (zones, defaults, datasets, jobs, dashboards)');
  }
  const result = sluiceConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    const issuePath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] as string] : issue.path;
    const line = lineOf(doc, counter, issuePath);
    const where = `${formatYamlPath(issue.path) || '(top level)'}${line ? ` (line ${line})` : ''}`;
    throw new ConfigError(file, where, describeIssue(issue));
  }
  return result.data;
}

/** Load `sluice.yaml` from a project directory; defaults when the file does not exist. */
export function loadConfig(dir: string): { config: SluiceConfig; file?: string } {
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: sluiceConfigSchema.parse({}) };
    throw new ConfigError(file, '', `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return { config: parseConfig(text, file), file };
}
