/**
 * Configured jobs started as Glue jobs (the stack deploys one per job of
 * sluice.yaml, generated from the same spec), for a Lambda that runs none
 * itself: `glue:StartJobRun` with the Glue job's name. Its arguments,
 * bookmarks and the triggers that chain jobs reading `final.*` tables are the
 * stack's.
 *
 * ConcurrentRunsExceededException means a run of the Glue job is going (Glue
 * runs one at a time unless told otherwise). That run may have listed its
 * inputs before the new data landed, and a Glue job with bookmarks picks up
 * new data only when started again after it ends, so the start is not
 * dropped: it is a BusyError, and the run queue puts the run back to try
 * again in RETRY_AFTER_SEC, as often as it takes, without using up its
 * attempts (`workRun`). The waiting run is kept in the state store, so it
 * outlives this invocation (the next event or the scheduled sweep takes it);
 * a newer update of the table supersedes it, so at most one start waits per
 * job; and if the running job did see the data, the extra run finds nothing
 * new and is short. Any other error is the run's failure, retried and failed
 * like any run, with Glue's reason.
 */
import { type GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { BusyError, ConfigError, errorMessage, SluiceError } from '../../core/errors.js';
import type { JobLaunch, JobLauncher } from '../../stages/ports.js';
import { ENVIRONMENT } from './environment.js';

/** How long a start waits for the Glue job's current run before trying again. */
export const RETRY_AFTER_SEC = 60;

export class GlueJobLauncher implements JobLauncher {
  constructor(
    /** The Glue job name of each job of sluice.yaml (SLUICE_GLUE_JOBS). */
    private readonly glueJobs: Readonly<Record<string, string>>,
    private readonly client: GlueClient,
  ) {}

  async start(job: string): Promise<JobLaunch> {
    const name = this.glueJobs[job];
    if (!name) throw new ConfigError(ENVIRONMENT, 'SLUICE_GLUE_JOBS', `no Glue job for "${job}"; add "${job}": "<Glue job name>"`);
    try {
      const out = await this.client.send(new StartJobRunCommand({ JobName: name }));
      return { service: 'glue', name, runId: out.JobRunId ?? '' };
    } catch (err) {
      const code = (err as { name?: string }).name;
      if (code === 'ConcurrentRunsExceededException') {
        throw new BusyError(
          `Glue job ${name} (job ${job}) is running already; it is started again once that run ends, so it reads the new data (trying again in ${RETRY_AFTER_SEC} s)`,
          RETRY_AFTER_SEC,
        );
      }
      throw new SluiceError(`Glue job ${name} (job ${job}) was not started: ${code ? `${code}: ` : ''}${errorMessage(err)}`, { cause: err });
    }
  }
}
