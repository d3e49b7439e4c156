/**
 * `sluice start` killed with SIGKILL at random moments while files are
 * uploaded, dropped, replaced and transformed: after a restart every final
 * table equals what the raw zone implies. The schedule is seeded; set
 * SLUICE_FAULT_SEED to replay a failure. `npm run soak` runs the same
 * scenario with fifty kills and bigger files.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runKillScenario } from '../helpers/kill-scenario.js';

const seed = Number(process.env.SLUICE_FAULT_SEED ?? Date.now() % 1_000_000);

describe('kill -9 under load', () => {
  it('loses and doubles nothing: final equals the raw zone, no temp files, state database intact', { timeout: 240_000 }, async () => {
    const lines: string[] = [];

    const report = await runKillScenario({
      seed,
      kills: 4,
      sizes: [300, 2_000, 8_000, 20_000],
      actionsPerRound: 3,
      maxKillDelayMs: 1_500,
      log: (l) => lines.push(l),
    });

    expect(report.problems, `replay with SLUICE_FAULT_SEED=${seed}\n${lines.join('\n')}`).toEqual([]);
    expect(Object.keys(report.files).length).toBeGreaterThan(0);
    fs.rmSync(report.dir, { recursive: true, force: true });
  });
});
