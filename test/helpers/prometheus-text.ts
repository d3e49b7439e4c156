/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4),
 * for tests: every line must be a `# HELP`, a `# TYPE`, another comment, a
 * blank line or a sample, and anything off (a sample before its family's
 * TYPE, a repeated HELP, TYPE or series, a malformed name, label or value, a
 * histogram whose buckets are not cumulative or do not end at +Inf = _count)
 * throws with the line number. prom-client writes this format but does not
 * read it, and no reader is installed; this one is small enough to trust.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

class ExpositionError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

/** A float as Go's strconv.ParseFloat reads it, which is what Prometheus uses: Inf and NaN in any case (prom-client writes `Nan`). */
function parseValue(text: string, line: number): number {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf' || word === '+infinity' || word === 'infinity') return Number.POSITIVE_INFINITY;
  if (word === '-inf' || word === '-infinity') return Number.NEGATIVE_INFINITY;
  if (word === 'nan') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new ExpositionError(line, `"${text}" is not a sample value`);
  return Number(text);
}

/** `{a="1",b="x\"y"}` from position `at` (the `{`): the labels and the position after `}`. */
function parseLabels(text: string, at: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new ExpositionError(line, 'a label without "="');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new ExpositionError(line, `"${name}" is not a label name`);
    if (name in labels) throw new ExpositionError(line, `label ${name} repeated`);
    if (text[eq + 1] !== '"') throw new ExpositionError(line, `label ${name}'s value is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new ExpositionError(line, `label ${name}'s value is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new ExpositionError(line, `bad escape \\${next ?? ''} in label ${name}`);
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new ExpositionError(line, `expected "," or "}" after label ${name}`);
  }
}

/** The families of an exposition text, by name, in order; throws on anything the format does not allow. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const typed = new Set<string>();
  if (text.length && !text.endsWith('\n')) throw new ExpositionError(text.split('\n').length, 'the text does not end with a newline');
  const familyOf = (sample: string): Family | undefined => {
    for (const f of families.values()) if (SUFFIXES[f.type].some((s) => `${f.name}${s}` === sample)) return f;
    return undefined;
  };
  for (const [index, raw] of text.split('\n').entries()) {
    const n = index + 1;
    if (raw.trim() === '') continue;
    const meta = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      if (!METRIC_NAME.test(name)) throw new ExpositionError(n, `"${name}" is not a metric name`);
      const family = families.get(name) ?? { name, type: 'untyped' as MetricType, samples: [] };
      if (kind === 'HELP') {
        if (family.help !== undefined) throw new ExpositionError(n, `a second HELP for ${name}`);
        family.help = rest.replace(/\\(n|\\)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (!TYPES.includes(rest as MetricType)) throw new ExpositionError(n, `"${rest}" is not a metric type`);
        if (typed.has(name) || family.samples.length) throw new ExpositionError(n, `TYPE for ${name} after its samples or twice`);
        family.type = rest as MetricType;
        typed.add(name);
      }
      families.set(name, family);
      continue;
    }
    if (raw.startsWith('#')) continue;
    const nameEnd = raw.search(/[{\s]/);
    if (nameEnd <= 0) throw new ExpositionError(n, `"${raw}" is not a sample`);
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new ExpositionError(n, `"${name}" is not a metric name`);
    let labels: Record<string, string> = {};
    let rest = raw.slice(nameEnd);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(raw, nameEnd, n);
      labels = parsed.labels;
      rest = raw.slice(parsed.end);
    }
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new ExpositionError(n, `"${raw}" is not "name{labels} value [timestamp]"`);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new ExpositionError(n, `"${parts[1]}" is not a timestamp`);
    const family = familyOf(name);
    if (!family || !typed.has(family.name)) throw new ExpositionError(n, `sample ${name} has no TYPE line before it`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(id)) throw new ExpositionError(n, `series ${id} repeated`);
    series.add(id);
    family.samples.push({ name, labels, value: parseValue(parts[0] as string, n) });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Each label set's buckets: `le` ascending, counts not decreasing, the last at +Inf and equal to `_count`. */
function checkHistogram(f: Family): void {
  const groups = new Map<string, { le: number; value: number }[]>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const s of f.samples.filter((x) => x.name === `${f.name}_bucket`)) {
    if (s.labels.le === undefined) throw new Error(`${f.name}: a bucket without le`);
    const list = groups.get(keyOf(s.labels)) ?? [];
    list.push({ le: parseValue(s.labels.le, 0), value: s.value });
    groups.set(keyOf(s.labels), list);
  }
  for (const [key, buckets] of groups) {
    for (let i = 1; i < buckets.length; i++) {
      const [a, b] = [buckets[i - 1], buckets[i]] as [{ le: number; value: number }, { le: number; value: number }];
      if (!(b.le > a.le)) throw new Error(`${f.name}${key}: bucket le ${b.le} after ${a.le}`);
      if (b.value < a.value) throw new Error(`${f.name}${key}: bucket le ${b.le} holds ${b.value}, fewer than le ${a.le} (${a.value}): not cumulative`);
    }
    const last = buckets[buckets.length - 1];
    const count = f.samples.find((s) => s.name === `${f.name}_count` && keyOf(s.labels) === key);
    if (last?.le !== Number.POSITIVE_INFINITY) throw new Error(`${f.name}${key}: no +Inf bucket`);
    if (!count || count.value !== last.value) throw new Error(`${f.name}${key}: _count ${count?.value} is not the +Inf bucket ${last.value}`);
    if (!f.samples.some((s) => s.name === `${f.name}_sum` && keyOf(s.labels) === key)) throw new Error(`${f.name}${key}: no _sum`);
  }
}

/** The value of one series: `name` (with its suffix) and exactly these labels; throws when there is none. */
export function sampleValue(families: Map<string, Family>, family: string, name: string, labels: Record<string, string> = {}): number {
  const f = families.get(family);
  const want = JSON.stringify(Object.entries(labels).sort());
  const s = f?.samples.find((x) => x.name === name && JSON.stringify(Object.entries(x.labels).sort()) === want);
  if (!s) throw new Error(`no sample ${name}${want} in ${family}`);
  return s.value;
}
