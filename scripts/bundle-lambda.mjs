/**
 * Builds the AWS Lambda packages (run by `npm run build`, after tsc):
 *
 *   dist/lambda/x64/    index.mjs + node_modules/@duckdb/node-bindings-linux-x64/
 *   dist/lambda/arm64/  index.mjs + node_modules/@duckdb/node-bindings-linux-arm64/
 *
 * Each folder is a function's whole code, to be zipped as it is (handler
 * `index.handler`, runtime nodejs22.x or newer). index.mjs is one ESM file
 * made by esbuild from src/runtime/lambda/main.ts, with the AWS SDK clients
 * Sluice pins: the function does not use the runtime's own SDK. The JS is the
 * same for both architectures; only DuckDB's native binding differs, and it
 * cannot be bundled: @duckdb/node-bindings requires
 * `@duckdb/node-bindings-linux-<arch>/duckdb.node`, which loads libduckdb.so
 * from its own folder, so that package is shipped as files beside the bundle.
 *
 * npm installs only the binding of the machine's own CPU. The other one is
 * fetched with `npm pack` at the exact version of the installed
 * @duckdb/node-bindings, checked against the integrity package-lock.json
 * records for it (or, if the lock has no entry, the one the registry
 * publishes), and kept in node_modules/.cache/sluice-lambda/ (or
 * $SLUICE_LAMBDA_CACHE) so later builds need no network.
 *
 * The bundle is not minified (a stack trace in CloudWatch then reads as the
 * source does; minifying saved 1.7 MB of a 71 MB package and no init time) and
 * has no source map (using one needs --enable-source-maps, which slows every
 * cold start).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'lambda');
const cache = process.env.SLUICE_LAMBDA_CACHE || path.join(root, 'node_modules', '.cache', 'sluice-lambda');
/** ELF e_machine of each architecture's binding, checked before it is shipped. */
const ARCHES = { x64: 62, arm64: 183 };
const BINDING_FILES = ['duckdb.node', 'libduckdb.so', 'package.json', 'LICENSE'];

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const mb = (bytes) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
const sizeOf = (dir) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .reduce((sum, e) => sum + (e.isFile() ? fs.statSync(path.join(e.parentPath, e.name)).size : 0), 0);

/** The integrity a binding tarball must have: package-lock.json's entry for it, else the registry's. */
function expectedIntegrity(name, version) {
  const locked = readJson(path.join(root, 'package-lock.json')).packages?.[`node_modules/${name}`];
  if (locked?.version === version && locked.integrity) return locked.integrity;
  return JSON.parse(execFileSync('npm', ['view', `${name}@${version}`, 'dist.integrity', '--json'], { encoding: 'utf8' }));
}

const integrityOf = (file) => `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;

/** The folder holding a binding package's files: the installed one, or the npm tarball's, unpacked in the cache. */
function bindingFolder(name, version) {
  const installed = path.join(root, 'node_modules', name);
  if (fs.existsSync(installed) && readJson(path.join(installed, 'package.json')).version === version) return installed;
  const base = `${name.replace('@', '').replace('/', '-')}-${version}`;
  const tarball = path.join(cache, `${base}.tgz`);
  const unpacked = path.join(cache, base);
  const want = expectedIntegrity(name, version);
  if (fs.existsSync(tarball) && integrityOf(tarball) === want && fs.existsSync(unpacked)) return unpacked;
  fs.mkdirSync(cache, { recursive: true });
  console.log(`fetching ${name}@${version} (npm pack)`);
  execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const got = integrityOf(tarball);
  if (got !== want) {
    fs.rmSync(tarball, { force: true });
    throw new Error(`${tarball}: integrity ${got} is not the expected ${want}; the tarball was removed, run the build again`);
  }
  // Unpacked beside, then renamed: an interrupted build leaves no half folder that looks complete.
  const partial = `${unpacked}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.rmSync(unpacked, { recursive: true, force: true });
  fs.mkdirSync(partial);
  execFileSync('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1']);
  fs.renameSync(partial, unpacked);
  return unpacked;
}

fs.rmSync(out, { recursive: true, force: true });
const { metafile } = await esbuild.build({
  absWorkingDir: root,
  entryPoints: [path.join(root, 'src', 'runtime', 'lambda', 'main.ts')],
  outfile: path.join(out, 'x64', 'index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // The SDK's ESM builds: a smaller bundle that starts about 80 ms sooner than with its CommonJS ones.
  mainFields: ['module', 'main'],
  external: ['@duckdb/node-bindings-*'],
  // CommonJS modules in an ESM bundle still call require (node: built-ins, the DuckDB binding).
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});
// What went into the bundle and what it imports at run time, for the tests and for anyone asking why it is this size.
fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(metafile));
// The state database is for one machine; the Lambda keeps its state in DynamoDB.
const sqlite = Object.keys(metafile.inputs).filter((input) => /better-sqlite3|src\/state\/database\.ts/.test(input));
if (sqlite.length) throw new Error(`the Lambda bundle reaches SQLite through ${sqlite.join(', ')}; cut that import from src/runtime/lambda/main.ts's graph`);

const version = readJson(path.join(root, 'node_modules', '@duckdb', 'node-bindings', 'package.json')).version;
for (const [arch, machine] of Object.entries(ARCHES)) {
  const dir = path.join(out, arch);
  if (arch !== 'x64') {
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(out, 'x64', 'index.mjs'), path.join(dir, 'index.mjs'));
  }
  const name = `@duckdb/node-bindings-linux-${arch}`;
  const from = bindingFolder(name, version);
  const to = path.join(dir, 'node_modules', name);
  fs.mkdirSync(to, { recursive: true });
  for (const file of BINDING_FILES) fs.copyFileSync(path.join(from, file), path.join(to, file));
  const elfMachine = fs.readFileSync(path.join(to, 'duckdb.node')).readUInt16LE(18);
  if (elfMachine !== machine) throw new Error(`${path.join(from, 'duckdb.node')}: ELF machine ${elfMachine}, not ${machine} (linux-${arch})`);
  const js = fs.statSync(path.join(dir, 'index.mjs')).size;
  const total = sizeOf(dir);
  console.log(`${path.relative(root, dir)}: ${mb(total)} (index.mjs ${mb(js)}, ${name}@${version} ${mb(total - js)})`);
}
