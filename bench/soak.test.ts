/**
 * The soak (`npm run soak`, not part of npm test): the fault suite's kill -9
 * scenario with fifty kills and bigger files. SLUICE_SOAK_KILLS changes the
 * number of kills, SLUICE_FAULT_SEED replays a schedule.
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { runKillScenario } from '../test/helpers/kill-scenario.js';

const seed = Number(process.env.SLUICE_FAULT_SEED ?? Date.now() % 1_000_000);
const kills = Number(process.env.SLUICE_SOAK_KILLS ?? 50);

it(`survives ${kills} kills under load (seed ${seed})`, { timeout: 0 }, async () => {
  const started = Date.now();
  console.log(`soak: seed ${seed}, ${kills} kills`);

  const report = await runKillScenario({
    seed,
    kills,
    sizes: [300, 5_000, 20_000, 60_000, 150_000],
    actionsPerRound: 4,
    maxKillDelayMs: 3_000,
    log: (line) => console.log(line),
  });

  console.log(`soak: ${kills} kills, ${Object.keys(report.files).length} raw files, ${Math.round((Date.now() - started) / 1000)} s`);
  expect(report.problems, `replay with SLUICE_FAULT_SEED=${seed}; project kept at ${report.dir}`).toEqual([]);
  fs.rmSync(report.dir, { recursive: true, force: true });
});
