/**
 * What a sluice.yaml that runs locally may not do on AWS, refused at
 * `sluice deploy aws` with its YAML path rather than discovered in a
 * deployed stack. On AWS the final bucket is written by the Glue jobs only
 * (the Lambda has no built-in publish there, so it never needs write access
 * to it): a table `final.<t>` exists only when a job writes it.
 */
import { jobInputs, type SluiceConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';

/** The first thing this config asks of AWS that the deployed pipeline cannot do, as a ConfigError. */
export function checkDeployable(config: SluiceConfig, file = 'sluice.yaml'): void {
  const written = new Set(Object.values(config.jobs).map((j) => `final.${j.output.table}`));
  for (const [name, job] of Object.entries(config.jobs)) {
    for (const [i, input] of jobInputs(job).entries()) {
      if (!input.startsWith('final.') || written.has(input)) continue;
      const where = i === 0 ? `jobs.${name}.source` : Array.isArray(job.join) ? `jobs.${name}.join[${i - 1}].table` : `jobs.${name}.join.table`;
      throw new ConfigError(
        file,
        where,
        `${input} is the built-in publish of a dataset; on AWS the final bucket holds only what jobs write, so read processed.${input.slice('final.'.length)} instead`,
      );
    }
  }
  // QuickSight draws the dashboards from Athena tables: the same holds for them.
  if (!config.aws.quicksight) return;
  for (const [name, dashboard] of Object.entries(config.dashboards)) {
    if (dashboard.table.startsWith('final.') && !written.has(dashboard.table)) {
      throw new ConfigError(
        file,
        `dashboards.${name}.table`,
        `${dashboard.table} is the built-in publish of a dataset; on AWS the final bucket holds only what jobs write, so chart processed.${dashboard.table.slice('final.'.length)} instead`,
      );
    }
  }
}
