// node bench/per-value.js [--rows 115000] [--runs 5] [--baseline <checkout with a built dist>]
// The per-value cost of the preprocess stage as a ratio to the engine floor (DuckDB's plain CSV → Parquet COPY of
// the same file), measured in alternating runs on one messy orders file, each run in its own process: the median
// preprocess time over the median floor time. With --baseline, the same is measured with another checkout's
// bench/worker.js and dist (an older build), in the same alternation, so both ratios share the machine's state;
// the change of the ratio is what the stage's per-value work gained or lost.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeMessyOrders } from '../dist/sample/messy-orders.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '115000' },
    runs: { type: 'string', default: '5' },
    baseline: { type: 'string' },
  },
});
const here = path.dirname(new URL(import.meta.url).pathname);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-per-value-'));
const csv = path.join(work, 'orders.csv');
const stats = await writeMessyOrders(csv, { rows: Number(values.rows), seed: 7 });

const builds = [{ name: 'this build', worker: path.join(here, 'worker.js') }];
if (values.baseline) builds.push({ name: `baseline (${values.baseline})`, worker: path.join(path.resolve(values.baseline), 'bench', 'worker.js') });

/** Milliseconds of one measurement of `mode` with `worker`, in its own process. */
function measure(worker, mode) {
  const dir = path.join(work, mode);
  const out = execFileSync(process.execPath, [worker, mode, csv, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  fs.rmSync(dir, { recursive: true, force: true });
  return JSON.parse(out).ms;
}

const times = builds.map(() => ({ floor: [], preprocess: [] }));
// One warm-up of each, then the runs, alternating builds and modes so drift in the machine's load touches all alike.
for (const b of builds) for (const mode of ['floor', 'preprocess']) measure(b.worker, mode);
for (let run = 0; run < Number(values.runs); run++) {
  for (const [i, b] of builds.entries()) {
    for (const mode of ['floor', 'preprocess']) times[i][mode].push(measure(b.worker, mode));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${stats.lines} lines, ${(stats.bytes / 1024 ** 2).toFixed(1)} MB; median of ${values.runs} runs each`);
console.log('| build | floor ms | preprocess ms | preprocess / floor |');
console.log('|---|---:|---:|---:|');
const ratios = builds.map((b, i) => {
  const floor = median(times[i].floor);
  const pre = median(times[i].preprocess);
  console.log(`| ${b.name} | ${floor.toFixed(0)} | ${pre.toFixed(0)} | ${(pre / floor).toFixed(2)}× |`);
  return pre / floor;
});
if (ratios.length === 2) console.log(`\nper-value cost, this build vs baseline: ${(((ratios[0] ?? 0) / (ratios[1] ?? 1) - 1) * 100).toFixed(1)}%`);
fs.rmSync(work, { recursive: true, force: true });
