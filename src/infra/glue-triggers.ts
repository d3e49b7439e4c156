/**
 * The chain between Glue runs, as conditional triggers (glue-plan.ts says
 * which): a crawler's or a job's SUCCEEDED state starts the jobs that read
 * what it wrote. Triggers are created started (StartOnCreation), otherwise
 * Glue leaves a conditional trigger inactive.
 */
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct, type IConstruct } from 'constructs';
import type { TriggerPlan } from './glue-plan.js';

export interface GlueTriggersProps {
  plan: TriggerPlan[];
  securityConfigurationName: string;
  /** The crawlers and jobs by name: triggers name them, so they must exist first. */
  resources: ReadonlyMap<string, IConstruct>;
}

export class GlueTriggers extends Construct {
  readonly triggers: glue.CfnTrigger[] = [];

  constructor(scope: Construct, id: string, props: GlueTriggersProps) {
    super(scope, id);
    for (const t of props.plan) {
      const condition =
        'crawler' in t.after
          ? { logicalOperator: 'EQUALS', crawlerName: t.after.crawler, crawlState: 'SUCCEEDED' }
          : { logicalOperator: 'EQUALS', jobName: t.after.job, state: 'SUCCEEDED' };
      const trigger = new glue.CfnTrigger(this, t.name, {
        name: t.name,
        type: 'CONDITIONAL',
        startOnCreation: true,
        description: `After ${'crawler' in t.after ? `crawler ${t.after.crawler}` : `job ${t.after.job}`} succeeds: ${t.start.join(', ')}`,
        predicate: { logical: 'ANY', conditions: [condition] },
        actions: t.start.map((jobName) => ({ jobName, securityConfiguration: props.securityConfigurationName })),
      });
      for (const name of ['crawler' in t.after ? t.after.crawler : t.after.job, ...t.start]) {
        const resource = props.resources.get(name);
        if (resource) trigger.node.addDependency(resource);
      }
      this.triggers.push(trigger);
    }
  }
}
