// node bench/per-value.js [--rows 115000] [--runs 5] [--baseline <checkout with a built dist>] [--markdown]
// The per-value cost of the preprocess stage as a ratio to the engine floor (DuckDB's plain CSV → Parquet COPY of
// the same file), measured in alternating runs on one messy orders file, each run in its own process with the
// engine already open (bench/per-value-run.js): the median preprocess time over the median floor time. With
// --baseline, the same is measured with another checkout's dist (an older build), in the same alternation, so both
// ratios share the machine's state; the change of the ratio is what the stage's per-value work gained or lost.
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
    markdown: { type: 'boolean', default: false },
  },
});
const here = path.dirname(new URL(import.meta.url).pathname);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-per-value-'));
const csv = path.join(work, 'orders.csv');
const stats = await writeMessyOrders(csv, { rows: Number(values.rows), seed: 7 });

const builds = [{ name: 'this build', dist: path.join(here, '..', 'dist') }];
if (values.baseline) builds.push({ name: `baseline (${values.baseline})`, dist: path.join(path.resolve(values.baseline), 'dist') });

/** Milliseconds of one measurement of `mode` with a build's `dist`, in its own process (bench/per-value-run.js). */
function measure(dist, mode) {
  const dir = path.join(work, mode);
  const out = execFileSync(process.execPath, [path.join(here, 'per-value-run.js'), dist, mode, csv, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  fs.rmSync(dir, { recursive: true, force: true });
  return JSON.parse(out).ms;
}

const times = builds.map(() => ({ floor: [], preprocess: [] }));
// One warm-up of each, then the runs, alternating builds and modes so drift in the machine's load touches all alike.
for (const b of builds) for (const mode of ['floor', 'preprocess']) measure(b.dist, mode);
for (let run = 0; run < Number(values.runs); run++) {
  for (const [i, b] of builds.entries()) {
    for (const mode of ['floor', 'preprocess']) times[i][mode].push(measure(b.dist, mode));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = builds.map((b, i) => {
  const floor = median(times[i].floor);
  const pre = median(times[i].preprocess);
  return { name: b.name, floor, pre, ratio: pre / floor };
});
const table = [
  '| build | floor ms | preprocess ms | preprocess / floor |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${r.floor.toFixed(0)} | ${r.pre.toFixed(0)} | ${r.ratio.toFixed(2)}× |`),
].join('\n');
const change = rows.length === 2 ? ((rows[0].ratio / rows[1].ratio - 1) * 100).toFixed(1) : undefined;
const what = `${stats.lines} lines, ${(stats.bytes / 1024 ** 2).toFixed(1)} MB of the messy orders sample; median of ${values.runs} alternating runs each, every run in its own process`;
if (values.markdown) {
  console.log(`## Per-value cost

\`node bench/per-value.js --rows ${values.rows} --runs ${values.runs}${values.baseline ? ` --baseline ${values.baseline}` : ''}\`: the preprocess stage's time as a multiple of
the engine floor on the same file (${what}).

${table}
${change === undefined ? '' : `\nPer-value cost of this build against the baseline: **${change > 0 ? '+' : ''}${change}%**.\n`}`);
} else {
  console.log(`${what}\n${table}`);
  if (change !== undefined) console.log(`\nper-value cost, this build vs baseline: ${change}%`);
}
fs.rmSync(work, { recursive: true, force: true });
