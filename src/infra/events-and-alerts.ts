/**
 * Where the pipeline tells the world what happened: a custom EventBridge bus
 * (`<stackName>-events`; the Lambda puts every pipeline event there, source
 * `sluice`) and an SNS topic (`<stackName>-alerts`) for people, KMS-encrypted
 * with a key of its own (rotated yearly) and refusing publishers without TLS.
 *
 * The key policy already lets CloudWatch alarms and EventBridge rules of this
 * account publish to the encrypted topic (both need kms:GenerateDataKey* and
 * kms:Decrypt on its key, which an AWS managed key would not allow), so the
 * monitoring construct only adds alarms, rules and subscriptions.
 */
import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alertsTopicName, eventBusName } from './names.js';

export class EventsAndAlerts extends Construct {
  readonly eventBus: events.EventBus;
  readonly alertsTopic: sns.Topic;
  readonly alertsKey: kms.Key;

  constructor(scope: Construct, id: string, props: { stackName: string }) {
    super(scope, id);
    this.eventBus = new events.EventBus(this, 'Bus', { eventBusName: eventBusName(props.stackName) });
    this.alertsKey = new kms.Key(this, 'AlertsKey', {
      description: `${props.stackName}: encrypts the ${alertsTopicName(props.stackName)} SNS topic`,
      enableKeyRotation: true,
    });
    const account = Stack.of(this).account;
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.alertsKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `PublishFrom${service.split('.')[0]}`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      );
    }
    this.alertsTopic = new sns.Topic(this, 'Alerts', { topicName: alertsTopicName(props.stackName), masterKey: this.alertsKey, enforceSSL: true });
  }
}
