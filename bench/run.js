// npm run bench [-- --size 10MB[,100MB,1GB]] [--files 50]
// Preprocess throughput against DuckDB's plain CSV→Parquet COPY of the same file (the engine floor),
// and upload-to-final latency of small files through a running `sluice start`. Writes BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../dist/runtime/logger.js';
import { openProject } from '../dist/runtime/project.js';
import { startService } from '../dist/runtime/service.js';
import { messyOrdersCsv, writeMessyOrders } from '../dist/sample/messy-orders.js';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '10MB' }, files: { type: 'string', default: '50' }, out: { type: 'string', default: 'BENCHMARKS.md' } },
});
const units = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const sizes = values.size.split(',').map((size) => {
  const m = /^(\d+)(KB|MB|GB)$/i.exec(size.trim());
  if (!m) throw new Error(`--size like 10MB, 100MB or 1GB (comma-separated for several), not ${size}`);
  return { label: size.trim(), bytes: Number(m[1]) * units[m[2].toUpperCase()] };
});
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
const here = path.dirname(new URL(import.meta.url).pathname);

function measure(mode, csv) {
  const out = execFileSync(process.execPath, [path.join(here, 'worker.js'), mode, csv, path.join(work, mode)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  fs.rmSync(path.join(work, mode), { recursive: true, force: true });
  return JSON.parse(out);
}

// 1. Throughput: deterministic dirty CSVs of the requested sizes.
const bytesPerRow = messyOrdersCsv({ rows: 1000 }).stats.bytes / 1000;
const throughputRows = [];
for (const size of sizes) {
  const csv = path.join(work, 'input', `orders-${size.label}.csv`);
  fs.mkdirSync(path.dirname(csv), { recursive: true });
  const stats = await writeMessyOrders(csv, { rows: Math.ceil(size.bytes / bytesPerRow), seed: 1 });
  const mb = stats.bytes / 1024 ** 2;
  console.log(`input: ${mb.toFixed(1)} MB, ${stats.lines} rows`);
  const floor = measure('floor', csv);
  const pre = measure('preprocess', csv);
  fs.rmSync(csv);
  const throughput = (r) => mb / (r.ms / 1000);
  console.log(`  engine floor: ${throughput(floor).toFixed(1)} MB/s, peak RSS ${floor.maxRssMb.toFixed(0)} MB`);
  console.log(`  preprocess:   ${throughput(pre).toFixed(1)} MB/s, peak RSS ${pre.maxRssMb.toFixed(0)} MB (${pre.rows.written} rows out)`);
  throughputRows.push(
    `| ${mb.toFixed(0)} MB (${stats.lines} rows) | floor | ${(floor.ms / 1000).toFixed(2)} | ${throughput(floor).toFixed(1)} | ${floor.maxRssMb.toFixed(0)} MB | 100% |`,
    `| | preprocess | ${(pre.ms / 1000).toFixed(2)} | ${throughput(pre).toFixed(1)} | ${pre.maxRssMb.toFixed(0)} MB | ${((throughput(pre) / throughput(floor)) * 100).toFixed(0)}% |`,
  );
}

// 1b. A wide file: planning and per-column work that grow with the number of columns.
{
  const width = 2000;
  const rowsWide = 2000;
  const csv = path.join(work, 'input', 'wide.csv');
  const out = fs.createWriteStream(csv);
  out.write(`${Array.from({ length: width }, (_, j) => `Col ${j + 1}`).join(',')}\n`);
  for (let i = 0; i < rowsWide; i++)
    out.write(`${Array.from({ length: width }, (_, j) => (j % 3 === 0 ? `${i}.${j % 100}` : j % 3 === 1 ? String(i * j) : `v${j}`)).join(',')}\n`);
  await new Promise((resolve) => out.end(resolve));
  const mb = fs.statSync(csv).size / 1024 ** 2;
  const floor = measure('floor', csv);
  const pre = measure('preprocess', csv);
  fs.rmSync(csv);
  const throughput = (r) => mb / (r.ms / 1000);
  console.log(`wide ${width} columns: floor ${(floor.ms / 1000).toFixed(2)} s, preprocess ${(pre.ms / 1000).toFixed(2)} s`);
  throughputRows.push(
    `| ${mb.toFixed(0)} MB (${width} columns × ${rowsWide} rows) | floor | ${(floor.ms / 1000).toFixed(2)} | ${throughput(floor).toFixed(1)} | ${floor.maxRssMb.toFixed(0)} MB | 100% |`,
    `| | preprocess | ${(pre.ms / 1000).toFixed(2)} | ${throughput(pre).toFixed(1)} | ${pre.maxRssMb.toFixed(0)} MB | ${((throughput(pre) / throughput(floor)) * 100).toFixed(0)}% |`,
  );
}

// 2. Latency: small files written one at a time into a running `sluice start`.
const nFiles = Number(values.files);
const projectDir = path.join(work, 'latency');
const project = openProject(projectDir, { log: createLogger({ level: 'error' }) });
const service = await startService(project, { port: 0, host: '127.0.0.1', workers: 2 });
/** Time from `land(key)` to the file's publish run succeeding. */
async function timeToFinal(key, land) {
  const done = new Promise((resolve) => {
    const onRun = (run) => {
      if (run?.stage === 'publish' && run.rootKey === key && run.status === 'succeeded') {
        service.pipeline.events.off('run', onRun);
        resolve();
      }
    };
    service.pipeline.events.on('run', onRun);
  });
  const t0 = performance.now();
  await land();
  await done;
  return performance.now() - t0;
}
const viaFolder = [];
const viaHttp = [];
for (let i = 0; i < nFiles; i++) {
  const { text } = messyOrdersCsv({ rows: 550, seed: 1000 + i }); // about 50 KB
  viaFolder.push(await timeToFinal(`small/file-${i}.csv`, () => project.zones.raw.put(`small/file-${i}.csv`, text)));
  const key = `upload/file-${i}.csv`;
  viaHttp.push(
    await timeToFinal(key, async () => {
      const res = await fetch(`${service.url}/api/files/${key}`, { method: 'PUT', body: text });
      if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
    }),
  );
}
await service.stop();
project.close();
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const latencyRow = (name, xs) =>
  `| ${name} | ${pct(xs, 50).toFixed(0)} ms | ${pct(xs, 99).toFixed(0)} ms | ${Math.min(...xs).toFixed(0)} ms | ${Math.max(...xs).toFixed(0)} ms |`;
console.log(`small files via folder: p50 ${pct(viaFolder, 50).toFixed(0)} ms, p99 ${pct(viaFolder, 99).toFixed(0)} ms`);
console.log(`small files via HTTP:   p50 ${pct(viaHttp, 50).toFixed(0)} ms, p99 ${pct(viaHttp, 99).toFixed(0)} ms`);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const report = `# Benchmarks

Produced by \`npm run bench -- --size ${values.size}\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB RAM, Node ${process.version}, ${os.platform()} ${os.release()}.
Figures are from one run; the machine is shared and noisy, so compare the ratios, which are measured in the same run.

## Preprocess throughput against the engine floor

Input: deterministic dirty CSVs (\`src/sample/messy-orders.ts\`), 11 columns (mixed date formats, currency,
thousands separators, null tokens, duplicates, ragged rows, quoted newlines, mixed line endings).
Each measurement runs in its own process; peak RSS is that process's. A plain \`read_csv\` with default options
refuses these files (mixed CRLF/LF line endings, ragged rows), so the floor runs
\`COPY (SELECT * FROM read_csv(…, strict_mode = false, ignore_errors = true)) TO … (FORMAT parquet)\`:
it skips bad rows silently and keeps the types DuckDB sniffs, with no cleaning. \`preprocess\` is the whole
stage: encoding and line-ending normalisation, dialect detection, trimming and null tokens, whole-column type
inference, typing, duplicate removal, rejects with line numbers and typed Parquet.

| input | what | seconds | MB/s | peak RSS | vs floor |
|---|---|---:|---:|---:|---:|
${throughputRows.join('\n')}

The target is 50% of the floor; preprocess is well short of it. Where the time goes (per statement, 100 MB):
reading the CSV into a table of trimmed text with null tokens applied takes several times as long as the whole
floor; gathering type evidence (every distinct value of every column tried as number, boolean, date,
timestamp) and typing each value take about as long again each. The floor does none of that work: it keeps
DuckDB's sniffed types (zip codes become numbers, \`$1,234.50\` stays text) and drops bad rows unreported.

## Small files: raw → final latency

${nFiles} files of about 50 KB (550 rows) each way, one at a time, into a running \`sluice start\` (2 workers); time
from the file landing to its rows being published in \`final\` (preprocess, crawl, publish). A file written into the
raw folder waits for the watcher to see its size settle (150 ms, so a file still being copied is not read half-written);
an HTTP upload is queued as soon as its body is stored.

| how the file lands | p50 | p99 | min | max |
|---|---:|---:|---:|---:|
${latencyRow('written into `data/raw/` (watcher)', viaFolder)}
${latencyRow('`PUT /api/files/…` (HTTP upload)', viaHttp)}
`;
fs.writeFileSync(values.out, report);
console.log(`wrote ${values.out}`);
fs.rmSync(work, { recursive: true, force: true });
