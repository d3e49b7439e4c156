// node bench/lambda-bundle.js [--runs 21]      (after `npm run build`, which makes dist/lambda/)
// Prints the "Lambda packages" section of BENCHMARKS.md; bench/run.js puts it in the file it writes.
//  - size of each package (dist/lambda/<arch>/) on disk: index.mjs, the DuckDB binding, the whole folder, and zipped
//    as a deployment would be (`zip -9 -r`; without a zip command, an estimate: each file deflated at level 9);
//  - module init: a fresh `node` imports the x64 package's index.mjs (what Lambda's init phase does before the
//    first event), from a copy outside the repository; the time is from the process's start (performance.now()
//    counts from it) to the import's end. Median of --runs, interleaved with two baselines measured the same way:
//    an empty ES module (node's own start) and @duckdb/node-api alone from node_modules, not bundled.
//    The package is also imported after its files were dropped from the page cache (dd iflag=nocache), so the
//    library is read from disk as on a first start.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

const here = import.meta.dirname;
const BUNDLES = path.resolve(here, '..', 'dist', 'lambda');
const ARCHES = ['x64', 'arm64'];
const MB = 1024 ** 2;
// AWS's quotas, in MiB as AWS counts them (52,428,800 and 262,144,000 bytes).
const ZIP_UPLOAD_MB = 50;
const UNZIPPED_MB = 250;

const files = (dir) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
const bytes = (dir) => files(dir).reduce((sum, f) => sum + fs.statSync(f).size, 0);
const hasCommand = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** The zipped size of a folder: `zip -9 -r` when there is a zip command, else the sum of its files deflated at level 9. */
function zippedBytes(dir, work) {
  if (!hasCommand('zip', ['-v'])) {
    return { bytes: files(dir).reduce((sum, f) => sum + zlib.deflateRawSync(fs.readFileSync(f), { level: 9 }).length, 0), how: 'estimated' };
  }
  const zip = path.join(work, `${path.basename(dir)}.zip`);
  execFileSync('zip', ['-9', '-r', '-q', '-X', zip, '.'], { cwd: dir });
  return { bytes: fs.statSync(zip).size, how: 'zip -9 -r' };
}

/** Milliseconds from a fresh node's start to the end of importing `url`. */
function importMs(url) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(url)}); console.log(performance.now());`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_REGION: 'eu-west-1' },
  });
  return Number(out.trim().split('\n').pop());
}

/** Drop the files' pages from the page cache (written back first), so the next reader reads the disk. */
function dropFromPageCache(paths) {
  for (const f of paths) {
    const fd = fs.openSync(f, 'r');
    fs.fdatasyncSync(fd);
    fs.closeSync(fd);
    execFileSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function lambdaBundleSection({ runs = 21 } = {}) {
  if (!fs.existsSync(path.join(BUNDLES, 'x64', 'index.mjs'))) throw new Error(`${BUNDLES}/x64/index.mjs is missing: run \`npm run build\` first`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-lambda-'));
  try {
    const sizes = ARCHES.map((arch) => {
      const dir = path.join(BUNDLES, arch);
      const js = fs.statSync(path.join(dir, 'index.mjs')).size;
      const total = bytes(dir);
      return { arch, js, binding: total - js, total, zipped: zippedBytes(dir, work) };
    });

    // Outside the repository, as Lambda unpacks a package into /var/task: nothing resolves from the repo's node_modules.
    const task = path.join(work, 'task');
    fs.cpSync(path.join(BUNDLES, 'x64'), task, { recursive: true });
    fs.writeFileSync(path.join(work, 'empty.mjs'), '');
    // The binding alone, from the copy: duckdb.node, which loads libduckdb.so beside it.
    const binding = '@duckdb/node-bindings-linux-x64/duckdb.node';
    fs.writeFileSync(
      path.join(work, 'binding.mjs'),
      `import { createRequire } from 'node:module';\ncreateRequire(${JSON.stringify(path.join(task, 'index.mjs'))})(${JSON.stringify(binding)});\n`,
    );
    const duckdbApi = createRequire(import.meta.url).resolve('@duckdb/node-api');
    const duckdbFiles = files(path.dirname(duckdbApi)).filter((f) => f.endsWith('.js')).length;
    const cases = {
      empty: pathToFileURL(path.join(work, 'empty.mjs')).href,
      binding: pathToFileURL(path.join(work, 'binding.mjs')).href,
      duckdb: pathToFileURL(duckdbApi).href,
      bundle: pathToFileURL(path.join(task, 'index.mjs')).href,
    };
    const cold = hasCommand('dd', ['if=/dev/null', 'iflag=nocache', 'count=0', 'status=none']);
    const ms = { empty: [], binding: [], duckdb: [], bundle: [], cold: [] };
    for (const url of Object.values(cases)) importMs(url); // one unmeasured round, so every case starts from the same warm cache
    for (let i = 0; i < runs; i++) {
      for (const [name, url] of Object.entries(cases)) ms[name].push(importMs(url));
      if (cold) {
        dropFromPageCache(files(task));
        ms.cold.push(importMs(cases.bundle));
      }
    }
    const m = Object.fromEntries(Object.entries(ms).map(([name, xs]) => [name, xs.length ? median(xs) : undefined]));
    const mb = (b) => (b / MB).toFixed(1);
    const largest = sizes.reduce((a, b) => (b.total > a.total ? b : a));
    const largestZip = sizes.reduce((a, b) => (b.zipped.bytes > a.zipped.bytes ? b : a));
    const fitsZip = largest.total / MB < UNZIPPED_MB;
    const how = sizes[0].zipped.how;
    const row = (what, v, extra = '') => `| ${what} | ${v.toFixed(0)} ms | ${(v / m.empty).toFixed(2)}× | ${extra} |`;
    console.log(
      `lambda: ${sizes.map((s) => `${s.arch} ${mb(s.total)} MB (${mb(s.zipped.bytes)} MB zipped)`).join(', ')}; init ${m.bundle.toFixed(0)} ms (empty module ${m.empty.toFixed(0)} ms)`,
    );
    const fromDisk =
      m.cold === undefined ? '' : ` With the package's files read from a local disk, the import takes ${(m.cold - m.bundle).toFixed(0)} ms more.`;
    const zipReasons = `The largest package is ${mb(largest.total)} MB unzipped, within the ${UNZIPPED_MB} MB a zip function may have
(layers included), and ${mb(largestZip.zipped.bytes)} MB zipped, within even the ${ZIP_UPLOAD_MB} MB of a direct upload (a CDK deployment,
\`sluice deploy aws\`, uploads it to the bootstrap bucket instead, where only the ${UNZIPPED_MB} MB applies). A zip needs no
Docker on the deploying machine and no ECR repository, and CDK ships it as a plain asset; a container image (up to
10 GB) buys room this package does not need. Either type has to bring the ${mb(sizes[0].binding)} MB binding to the function on a
cold start. Here, from a warm page cache, loading it takes ${(m.binding - m.empty).toFixed(0)} ms, and the bundle's JavaScript most of
the rest.${fromDisk} On Lambda a cold start first fetches the package from S3, which no local figure shows (published
measurements, not repeated here, put a 64 MB zipped function with DuckDB's binding near 3 s of cold start, against
${mb(largestZip.zipped.bytes)} MB zipped here). Past ${UNZIPPED_MB} MB unzipped (DuckDB extensions shipped beside it, say) the answer becomes a
container image.`;
    const imageReasons = `The largest package is ${mb(largest.total)} MB unzipped, past the ${UNZIPPED_MB} MB a zip function may have (layers
included): it ships as a container image (up to 10 GB), built with Docker on the deploying machine and pushed to ECR.`;
    return `## Lambda packages

\`npm run build\` makes \`dist/lambda/x64/\` and \`dist/lambda/arm64/\` (\`scripts/bundle-lambda.mjs\`): \`index.mjs\`, one
ESM file bundled by esbuild from \`src/runtime/lambda/main.ts\` with the AWS SDK clients Sluice pins, and DuckDB's
native binding for that architecture (\`duckdb.node\` and \`libduckdb.so\`) as files beside it. Measured by
\`npm run build && node bench/lambda-bundle.js --runs ${runs}\` (MB = 1024² bytes, as AWS counts its limits;
zipped with \`${how}\`).

| package | index.mjs | DuckDB binding | unzipped | zipped |
|---|---:|---:|---:|---:|
${sizes.map((s) => `| \`dist/lambda/${s.arch}\` | ${mb(s.js)} MB | ${mb(s.binding)} MB | ${mb(s.total)} MB | ${mb(s.zipped.bytes)} MB |`).join('\n')}

Module init: a fresh \`node\` (${process.version} here; the functions run on nodejs22.x or newer) imports the x64 package's \`index.mjs\` from a
copy outside the repository, as Lambda's init phase does before the first event; time from the process's start
to the end of the import, median of ${runs} runs, against an empty module imported the same way.

| import | from process start | vs empty module | |
|---|---:|---:|---|
${row('an empty ES module (node starting)', m.empty)}
${row("DuckDB's binding alone (`duckdb.node`, loading `libduckdb.so`)", m.binding)}
${row('`@duckdb/node-api` alone, from node_modules', m.duckdb, `${duckdbFiles} CommonJS files, and the binding`)}
${row('the Lambda bundle, `index.mjs`', m.bundle, `its own share ${(m.bundle - m.empty).toFixed(0)} ms: the binding ${(m.binding - m.empty).toFixed(0)} ms, the JavaScript (AWS SDK clients, zod, DuckDB's API, Sluice) the rest`)}
${m.cold === undefined ? '| the bundle, its files out of the page cache | — | — | not measured: this dd has no iflag=nocache |' : row('the bundle, its files dropped from the page cache', m.cold, `${(m.cold - m.bundle).toFixed(0)} ms more to read the package (${mb(sizes[0].total)} MB, mostly the binding) from a local disk`)}

**Package type: ${fitsZip ? 'zip' : 'container image'}.** ${fitsZip ? zipReasons : imageReasons}
`;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
  console.log(await lambdaBundleSection({ runs: Number(values.runs) }));
}
