/**
 * The Glue job scripts generated from sluice.yaml. They are compared with
 * golden files (UPDATE_GOLDEN=1 writes them again) and compiled by python3;
 * Spark and the awsglue library cannot run here, so what the scripts do on
 * AWS is read from the goldens, step by step against the local planner.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { Engine } from '../../src/engine/duckdb.js';
import { type GlueScriptContext, glueJobScripts } from '../../src/infra/glue/script.js';
import { DESIGN_EXAMPLE } from '../helpers/design-example.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const CONTEXT: GlueScriptContext = { databases: { processed: 'sluice_processed', final: 'sluice_final' } };

/** The jobs of DESIGN.md's example sluice.yaml. */
const DESIGN_JOBS = DESIGN_EXAMPLE.slice(DESIGN_EXAMPLE.indexOf('\njobs:') + 1, DESIGN_EXAMPLE.indexOf('\ndashboards:') + 1);

/** A job using the other steps: rename, drop, join, derive replacing a column, dedupe, sort. */
const JOIN_JOB = `jobs:
  customer_orders:
    source: processed.orders
    rename: { amount: revenue, customer_code: customer }
    drop: [internal_note]
    join:
      table: processed.customers
      on: { customer: code }
      kind: left
      columns: [name, segment]
      prefix: customer_
    derive:
      revenue: "round(revenue * 1.2, 2)"
    dedupe:
      keys: [order_id]
      keep: last
      orderBy: [updated_at]
    sort: [customer_name, "revenue desc nulls first"]
    output: { table: customer_orders, partitionBy: [customer_segment], csv: true, compression: snappy }
`;

let engine: Engine;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-glue-script-'));
  engine = await Engine.open({ tempDir: path.join(tmp, 'engine') });
});

afterAll(() => {
  engine.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * python3 compiles `script` (in a temp folder: py_compile writes its cache
 * beside the file), and every name the script reads is one it defines,
 * imports or Python builds in, so no helper it calls was left out.
 */
function pyCompile(name: string, script: string): void {
  const file = path.join(tmp, `${name}.py`);
  fs.writeFileSync(file, script);
  execFileSync('python3', ['-m', 'py_compile', file], { stdio: 'pipe' });
  const program = [
    'import ast, builtins, sys',
    'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
    'bound = set(dir(builtins))',
    'for n in ast.walk(tree):',
    '    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store): bound.add(n.id)',
    '    elif isinstance(n, (ast.FunctionDef, ast.ClassDef)): bound.add(n.name)',
    '    elif isinstance(n, ast.arg): bound.add(n.arg)',
    '    elif isinstance(n, (ast.Import, ast.ImportFrom)): bound.update((a.asname or a.name).split(".")[0] for a in n.names)',
    'print(sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound))',
  ].join('\n');
  expect(execFileSync('python3', ['-c', program, file], { encoding: 'utf8' }).trim(), `names ${name}.py reads but never defines`).toBe('[]');
}

/** Every string constant python3 finds in `script`, and its comment lines. */
function pythonStrings(script: string): { strings: string[]; comments: string[] } {
  const file = path.join(tmp, 'strings.py');
  fs.writeFileSync(file, script);
  const program =
    'import ast, json, sys\nsrc = open(sys.argv[1], encoding="utf-8").read()\nprint(json.dumps([n.value for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]))';
  const strings = JSON.parse(execFileSync('python3', ['-c', program, file], { encoding: 'utf8' })) as string[];
  return { strings, comments: script.split('\n').filter((line) => line.trim().startsWith('#') || line.includes('  # ')) };
}

/** Compare with the golden file, or write it under UPDATE_GOLDEN=1. */
function expectGolden(name: string, script: string): void {
  const file = path.join(GOLDEN, `${name}.py`);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, script);
  }
  expect(script, `${file} (UPDATE_GOLDEN=1 writes it again)`).toBe(fs.readFileSync(file, 'utf8'));
}

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('glueJobScripts', () => {
  it('writes the DESIGN example jobs as the golden scripts, which python3 compiles', async () => {
    // Act
    const scripts = await glueJobScripts(engine, parseConfig(DESIGN_JOBS), CONTEXT);

    // Assess
    expect([...scripts.keys()]).toEqual(['orders_clean', 'revenue_by_country']);
    for (const [name, script] of scripts) {
      expectGolden(name, script);
      pyCompile(name, script);
    }
  });

  it('writes a job with rename, drop, join, dedupe and sort as the golden script, which python3 compiles', async () => {
    // Act
    const scripts = await glueJobScripts(engine, parseConfig(JOIN_JOB), CONTEXT);
    const script = scripts.get('customer_orders') as string;

    // Assess
    expectGolden('customer_orders', script);
    pyCompile('customer_orders', script);
  });

  it('reads an incremental source with a bookmark and appends, and a full one whole, replacing the table', async () => {
    // Act
    const scripts = await glueJobScripts(engine, parseConfig(DESIGN_JOBS), CONTEXT);
    const incremental = scripts.get('orders_clean') as string;
    const full = scripts.get('revenue_by_country') as string;

    // Assess
    expect(incremental).toContain('table_name="orders", transformation_ctx="source")');
    expect(incremental).not.toContain('replace_table(');
    expect(incremental).toContain('"append"');
    expect(full).toContain('create_dynamic_frame.from_catalog(database="sluice_final", table_name="orders")\n');
    expect(full).toContain('replace_table(FINAL_ROOT + "revenue_by_country/", "sluice_final", "revenue_by_country")');
    for (const script of [incremental, full]) expect(script.trimEnd().endsWith('run()\njob.commit()')).toBe(true);
  });

  it('generates the same scripts every time', async () => {
    // Act
    const first = await glueJobScripts(engine, parseConfig(JOIN_JOB + DESIGN_JOBS.replace(/^jobs:.*\n/, '')), CONTEXT);
    const second = await glueJobScripts(engine, parseConfig(JOIN_JOB + DESIGN_JOBS.replace(/^jobs:.*\n/, '')), CONTEXT);

    // Assess
    expect([...first.entries()]).toEqual([...second.entries()]);
  });

  it('keeps names with quotes, backslashes and newlines inside Python string literals, never in code or comments', async () => {
    // Prepare
    const odd = 'it"s \\ odd';
    const quote = "o'clock";
    const yaml = `jobs:
  odd:
    source: processed.orders
    rename: { ${JSON.stringify(odd)}: plain }
    drop: [${JSON.stringify(quote)}, ${JSON.stringify('qq\nzz')}]
    derive:
      tag: ${JSON.stringify(`"we""ird\\col" || 'it''s'`)}
    sort: [${JSON.stringify('x"y desc')}]
    output: { table: odd, partitionBy: [${JSON.stringify('p"q')}] }
`;

    // Act
    const script = (await glueJobScripts(engine, parseConfig(yaml), CONTEXT)).get('odd') as string;
    pyCompile('odd', script);
    const { strings, comments } = pythonStrings(script);

    // Assess
    expect(strings).toEqual(expect.arrayContaining([odd, quote, 'qq\nzz', 'x"y', 'p"q', "concat(CAST(`we\"ird\\col` AS STRING), 'it\\'s')"]));
    for (const text of [odd, quote, 'qq', 'zz', 'x"y', 'p"q', 'we"ird']) {
      expect(comments.filter((line) => line.includes(text))).toEqual([]);
    }
  });

  it('refuses an untranslatable derive with its YAML path', async () => {
    // Prepare
    const yaml = 'jobs:\n  scores:\n    source: processed.orders\n    derive:\n      distance: "levenshtein(name, code)"\n    output: { table: scores }\n';

    // Act
    const err = await configErrorOf(glueJobScripts(engine, parseConfig(yaml), CONTEXT, 'project/sluice.yaml'));

    // Assess
    expect(err.path).toBe('jobs.scores.derive.distance');
    expect(err.message).toContain(
      'project/sluice.yaml: jobs.scores.derive.distance: "levenshtein(name, code)": the function levenshtein() has no Spark SQL equivalent',
    );
  });

  it('refuses an untranslatable filter or measure with its YAML path', async () => {
    // Prepare
    const filter = 'jobs:\n  j:\n    source: processed.orders\n    filter: "name SIMILAR TO \'a.*\'"\n    output: { table: t }\n';
    const measure =
      'jobs:\n  j:\n    source: processed.orders\n    aggregate:\n      measures: { names: "string_agg(name, \',\')" }\n    output: { table: t }\n';

    // Act
    const filterErr = await configErrorOf(glueJobScripts(engine, parseConfig(filter), CONTEXT));
    const measureErr = await configErrorOf(glueJobScripts(engine, parseConfig(measure), CONTEXT));

    // Assess
    expect(filterErr.message).toContain('jobs.j.filter: "name SIMILAR TO \'a.*\'": the function regexp_full_match()');
    expect(measureErr.message).toContain('jobs.j.aggregate.measures.names: "string_agg(name, \',\')": the function string_agg()');
  });

  it('refuses a dedupe without orderBy: Spark keeps no file and row order to pick the first or last by', async () => {
    // Prepare
    const yaml = 'jobs:\n  latest:\n    source: processed.orders\n    dedupe: { keys: [order_id], keep: last }\n    output: { table: latest }\n';

    // Act
    const err = await configErrorOf(glueJobScripts(engine, parseConfig(yaml), CONTEXT));

    // Assess
    expect(err.path).toBe('jobs.latest.dedupe.orderBy');
    expect(err.message).toContain('orderBy: ["updated_at desc"]');
  });

  it('refuses a sort entry that is not a column with a direction, with its YAML path', async () => {
    // Prepare
    const yaml = 'jobs:\n  j:\n    source: processed.orders\n    sort: [""]\n    output: { table: t }\n';

    // Act
    const err = await configErrorOf(glueJobScripts(engine, parseConfig(yaml), CONTEXT));

    // Assess
    expect(err.path).toBe('jobs.j.sort[0]');
  });

  it('writes no script when there are no jobs', async () => {
    // Act
    const scripts = await glueJobScripts(engine, parseConfig(''), CONTEXT);

    // Assess
    expect(scripts.size).toBe(0);
  });
});
