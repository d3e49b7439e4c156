// Typing accuracy on held-out fixtures: how often the preprocess stage gives a column the right type, and each cell the right value.
// usage: node bench/typing-accuracy.js [--dist <built dist directory, default ./dist>] [--only <fixture name>] [--json] [--keep]
//        node bench/typing-accuracy.js --markdown [--baseline <another build's dist>]: the BENCHMARKS.md section
// The fixtures (bench/typing-fixtures.js) carry their own truth; this runs a build's preprocess stage on each, reads the
// processed Parquet and compares. A measurement, not a test: it always exits 0.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { typingFixtures } from './typing-fixtures.js';

const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});
if (args.markdown) {
  process.stdout.write(markdownSection());
  process.exit(0);
}
const dist = path.resolve(args.dist);
const load = (rel) => import(pathToFileURL(path.join(dist, rel)).href);
const { sluiceConfigSchema } = await load('config/schema.js');
const { Engine } = await load('engine/duckdb.js');
const { preprocess } = await load('stages/preprocess/handler.js');
const { LocalObjectStore } = await load('storage/local/local-object-store.js');

const fixtures = typingFixtures().filter((f) => !args.only || f.name === args.only);
if (fixtures.length === 0) {
  console.error(
    `No fixture named ${args.only}; the names are: ${typingFixtures()
      .map((f) => f.name)
      .join(', ')}`,
  );
  process.exit(0);
}
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-typing-'));
const engine = await Engine.open({ tempDir: path.join(root, 'spill') });
const duck = await DuckDBInstance.create(':memory:');
const conn = await duck.connect();
const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

const results = [];
for (const fixture of fixtures) results.push(await measure(fixture));
conn.closeSync();
duck.closeSync();
engine.close();
if (!args.keep) fs.rmSync(root, { recursive: true, force: true });

if (args.json) process.stdout.write(`${JSON.stringify({ dist, results, totals: totals(results) }, null, 2)}\n`);
else print(results);
process.exit(0);

/** Runs one fixture through preprocess and scores its output against the fixture's truth. */
async function measure(fixture) {
  const work = path.join(root, fixture.name);
  const rawDir = path.join(work, 'raw');
  fs.mkdirSync(rawDir, { recursive: true });
  const rawKey = `${fixture.name}.csv`;
  fs.writeFileSync(path.join(rawDir, rawKey), fixture.text);
  const zones = {
    raw: new LocalObjectStore(rawDir),
    processed: new LocalObjectStore(path.join(work, 'processed')),
    final: new LocalObjectStore(path.join(work, 'final')),
    quarantine: new LocalObjectStore(path.join(work, 'quarantine')),
  };
  const truthRows = fixture.columns[0].values.length;
  const base = {
    name: fixture.name,
    kind: fixture.unlisted ? 'unlisted' : 'listed',
    truthRows,
    columnsTotal: fixture.columns.length,
    cellsTotal: truthRows * fixture.columns.length,
  };
  let result;
  try {
    result = await preprocess(
      { rawKey, sha256: 'typing-bench' },
      { zones, engine, config: sluiceConfigSchema.parse({}), tmpDir: path.join(work, 'tmp'), log: quietLog },
    );
  } catch (error) {
    return { ...base, error: String(error?.message ?? error), outputRows: 0, columnsRight: 0, cellsRight: 0, columns: [] };
  }
  if (!result.processedKey) {
    return { ...base, error: `no processed output (outcome ${result.outcome})`, outputRows: 0, columnsRight: 0, cellsRight: 0, columns: [] };
  }
  const output = await readOutput(zones.processed.uri(result.processedKey), fixture, result.report.columns);
  const alignment = align(fixture, output);
  const columns = fixture.columns.map((col, k) => scoreColumn(col, output.columns[k], alignment));
  return {
    ...base,
    outputRows: output.rows,
    missingRows: alignment.filter((j) => j === -1).length,
    columnsRight: columns.filter((c) => c.typeRight).length,
    cellsRight: columns.reduce((s, c) => s + c.cellsRight, 0),
    columns,
  };
}

/** The processed Parquet, one entry per truth column: its Parquet type, report entry and values in comparable form. */
async function readOutput(file, fixture, reportColumns) {
  const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).getRowObjectsJson();
  const typeOf = new Map(described.map((r) => [r.column_name, r.column_type]));
  const picked = fixture.columns.map((col, k) => {
    const entry = reportColumns.find((c) => c.original?.trim() === col.name) ?? reportColumns[k];
    return entry && typeOf.has(entry.name) ? { entry, type: typeOf.get(entry.name) } : { entry, type: undefined };
  });
  const present = picked.filter((p) => p.type);
  const select = present.map((p, k) => `${comparable(p.entry.name, p.type)} AS c${k}`).join(', ');
  const rows = select ? (await conn.runAndReadAll(`SELECT ${select} FROM read_parquet(${sqlString(file)})`)).getRowsJS() : [];
  const count = select ? rows.length : Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(file)})`)).getRowsJS()[0][0]);
  return {
    rows: count,
    columns: picked.map((p) => {
      const at = present.indexOf(p);
      return { entry: p.entry, type: p.type, values: at === -1 ? undefined : rows.map((r) => normalise(r[at])) };
    }),
  };
}

/** SQL turning a column into something comparable in JS: numbers as DOUBLE, dates and timestamps (in UTC) as ISO text. */
function comparable(name, type) {
  const id = `"${name.replaceAll('"', '""')}"`;
  if (type === 'DATE') return `strftime(${id}, '%Y-%m-%d')`;
  if (type === 'TIMESTAMP WITH TIME ZONE') return `strftime(timezone('UTC', ${id}), '%Y-%m-%dT%H:%M:%S')`;
  if (type.startsWith('TIMESTAMP')) return `strftime(${id}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S')`;
  if (numericFamily(type)) return `${id}::DOUBLE`;
  if (type === 'BOOLEAN') return id;
  return `${id}::VARCHAR`;
}

function normalise(v) {
  if (typeof v === 'bigint') return Number(v);
  return v ?? null;
}

function numericFamily(type) {
  return integerType(type) || type.startsWith('DECIMAL') || type === 'DOUBLE' || type === 'FLOAT';
}

function integerType(type) {
  return /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(type) || /^DECIMAL\(\d+,\s*0\)$/.test(type);
}

/** Whether a Parquet type belongs to the truth's type family (decimal stored as DOUBLE counts when every value is exact). */
function typeMatches(truth, type, valuesExact) {
  if (!type) return false;
  switch (truth) {
    case 'integer':
      return integerType(type);
    case 'decimal':
      return (/^DECIMAL\(\d+,\s*[1-9]\d*\)$/.test(type) || type === 'DOUBLE') && (type !== 'DOUBLE' || valuesExact);
    case 'double':
      return type === 'DOUBLE' || type === 'FLOAT' || type.startsWith('DECIMAL');
    case 'boolean':
      return type === 'BOOLEAN';
    case 'date':
      return type === 'DATE';
    case 'timestamp':
      return type.startsWith('TIMESTAMP');
    default:
      return type === 'VARCHAR';
  }
}

/** Whether one output cell equals its true value. */
function cellRight(truth, got, type, scale = 1) {
  if (truth === null || got === null) return truth === got;
  switch (type) {
    case 'integer':
    case 'decimal':
    case 'double': {
      if (typeof got !== 'number') return false;
      const want = truth * scale;
      return Math.abs(got - want) <= 1e-9 * Math.max(Math.abs(want), Math.abs(got)) || got === want;
    }
    case 'boolean':
      return got === truth;
    case 'date':
      return got === truth || got === `${truth}T00:00:00`;
    case 'timestamp':
      return got === truth;
    default:
      return String(got) === truth;
  }
}

/**
 * For each truth row, the output row it matches (-1 when missing). Positional when the counts agree; otherwise greedy:
 * each output row takes the best-matching of the next truth rows that may still be skipped.
 */
function align(fixture, output) {
  const n = fixture.columns[0].values.length;
  const m = output.rows;
  const map = new Array(n).fill(-1);
  if (m >= n) {
    for (let i = 0; i < n; i++) map[i] = i;
    return map;
  }
  const score = (i, j) =>
    fixture.columns.reduce((s, col, k) => s + (output.columns[k].values && cellRight(col.values[i], output.columns[k].values[j], col.type) ? 1 : 0), 0);
  let skips = n - m;
  let p = 0;
  for (let j = 0; j < m && p < n; j++) {
    let best = p;
    let bestScore = score(p, j);
    for (let i = p + 1; i <= Math.min(p + skips, p + 500, n - 1) && bestScore < fixture.columns.length; i++) {
      const s = score(i, j);
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    }
    skips -= best - p;
    map[best] = j;
    p = best + 1;
  }
  return map;
}

/** One column's score: type family right or not, and how many cells hold the true value. */
function scoreColumn(col, out, alignment) {
  const got = (i) => (out.values && alignment[i] !== -1 ? out.values[alignment[i]] : undefined);
  const count = (scale) => col.values.reduce((s, v, i) => s + (got(i) !== undefined && cellRight(v, got(i), col.type, scale) ? 1 : 0), 0);
  const scales = col.scale ? [1, col.scale] : [1];
  const counts = scales.map(count);
  const best = counts.indexOf(Math.max(...counts));
  const scale = scales[best];
  const cellsRight = counts[best];
  const presentTruth = col.values.filter((v, i) => v !== null && got(i) !== undefined).length;
  const valuesExact = col.values.every((v, i) => v === null || got(i) === undefined || cellRight(v, got(i), col.type, scale)) && presentTruth > 0;
  const firstWrong = col.values.findIndex((v, i) => !cellRight(v, got(i) ?? null, col.type, scale) && got(i) !== undefined);
  return {
    name: col.name,
    expected: col.type,
    got: out.type ?? '(missing)',
    logical: out.entry?.logical,
    reason: out.entry?.reason,
    typeRight: typeMatches(col.type, out.type, valuesExact),
    cellsRight,
    cells: col.values.length,
    ...(firstWrong === -1 ? {} : { example: { row: firstWrong + 1, expected: col.values[firstWrong], got: got(firstWrong) } }),
  };
}

function totals(list) {
  const sum = (kind) => {
    const set = list.filter((r) => r.kind === kind);
    return {
      files: set.length,
      columnsRight: set.reduce((s, r) => s + r.columnsRight, 0),
      columns: set.reduce((s, r) => s + r.columnsTotal, 0),
      cellsRight: set.reduce((s, r) => s + r.cellsRight, 0),
      cells: set.reduce((s, r) => s + r.cellsTotal, 0),
    };
  };
  const kinds = {};
  for (const r of list) {
    for (const c of r.columns.filter((c) => !c.typeRight)) {
      const key = `${c.expected} -> ${family(c.got)}`;
      kinds[key] = (kinds[key] ?? 0) + 1;
    }
  }
  return { listed: sum('listed'), unlisted: sum('unlisted'), wrongTypeKinds: Object.entries(kinds).sort((a, b) => b[1] - a[1]) };
}

function family(type) {
  if (!type || type === '(missing)') return 'missing';
  if (integerType(type)) return 'integer';
  if (type.startsWith('DECIMAL')) return 'decimal';
  if (type === 'DOUBLE' || type === 'FLOAT') return 'double';
  if (type.startsWith('TIMESTAMP')) return 'timestamp';
  return { BOOLEAN: 'boolean', DATE: 'date', VARCHAR: 'text' }[type] ?? type;
}

function pct(a, b) {
  return b ? `${((100 * a) / b).toFixed(1)}%` : '-';
}

function show(v) {
  return v === undefined ? '(no row)' : JSON.stringify(v);
}

function print(list) {
  console.log(`Typing accuracy of ${dist}\n`);
  console.log(`${'file'.padEnd(28)} ${'kind'.padEnd(8)} ${'columns'.padStart(9)} ${'cells'.padStart(15)}  rows out/in`);
  for (const r of list) {
    const rows = r.error ? 'error' : `${r.outputRows}/${r.truthRows}`;
    console.log(
      `${r.name.padEnd(28)} ${r.kind.padEnd(8)} ${`${r.columnsRight}/${r.columnsTotal}`.padStart(9)} ${`${r.cellsRight}/${r.cellsTotal}`.padStart(15)}  ${rows}${r.missingRows ? ` (${r.missingRows} unmatched)` : ''}`,
    );
    if (r.error) console.log(`    error: ${r.error}`);
    for (const c of r.columns) {
      if (c.typeRight && c.cellsRight === c.cells) continue;
      const head = c.typeRight ? 'values' : 'type';
      const example = c.example ? `; e.g. row ${c.example.row}: want ${show(c.example.expected)}, got ${show(c.example.got)}` : '';
      console.log(`    ${head.padEnd(6)} ${c.name}: want ${c.expected}, got ${c.got} (${c.reason ?? 'no reason'}); cells ${c.cellsRight}/${c.cells}${example}`);
    }
  }
  const t = totals(list);
  console.log('');
  for (const kind of ['listed', 'unlisted']) {
    const s = t[kind];
    console.log(
      `${kind.padEnd(9)} ${String(s.files).padStart(2)} files  columns ${s.columnsRight}/${s.columns} (${pct(s.columnsRight, s.columns)})  cells ${s.cellsRight}/${s.cells} (${pct(s.cellsRight, s.cells)})`,
    );
  }
  if (t.wrongTypeKinds.length) console.log(`\nwrong types (want -> got): ${t.wrongTypeKinds.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
}

function sqlString(s) {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * The BENCHMARKS.md section: this build's totals (and a baseline build's, run the same way in its own process),
 * listed and unlisted conventions apart, and the kinds of wrong types left.
 */
function markdownSection() {
  const run = (dist) =>
    JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--json', '--dist', dist], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  const builds = [{ name: 'this build', ...run(args.dist) }];
  if (args.baseline) builds.push({ name: `baseline (\`${args.baseline}\`)`, ...run(args.baseline) });
  const cell = (s, right, all) => `${s[right]}/${s[all]} (${pct(s[right], s[all])})`;
  const rows = builds.map(
    (b) =>
      `| ${b.name} | ${cell(b.totals.listed, 'columnsRight', 'columns')} | ${cell(b.totals.listed, 'cellsRight', 'cells')} | ${cell(b.totals.unlisted, 'columnsRight', 'columns')} | ${cell(b.totals.unlisted, 'cellsRight', 'cells')} |`,
  );
  const [current] = builds;
  const wrong = current.totals.wrongTypeKinds.map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
  const files = current.results.filter((r) => r.columnsRight < r.columnsTotal).map((r) => `\`${r.name}\``);
  return `## Typing accuracy

\`node bench/typing-accuracy.js --markdown${args.baseline ? ` --baseline ${args.baseline}` : ''}\`: ${current.totals.listed.files + current.totals.unlisted.files} seeded
fixtures (\`bench/typing-fixtures.js\`, written apart from the inference code), each generator knowing every cell's
true value: exports in the conventions the inference was built for (listed) and in locales and formats it was not
(unlisted). A column is right when its type family is the truth's; a cell when its value equals the true value.

| build | listed columns | listed cells | unlisted columns | unlisted cells |
|---|---:|---:|---:|---:|
${rows.join('\n')}

Wrong types left in this build (want -> got): ${wrong}${files.length ? `; in ${files.join(', ')}` : ''}.
`;
}
