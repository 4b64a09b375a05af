/**
 * The stack as an operator runs it: the alarms on its queues and functions.
 */
import { type CfnResource, type Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DURATION_ALARM_FRACTION } from '../../infra/constructs/wirefeed-function.ts';
import {
  DELIVERY_MAX_MESSAGE_AGE,
  DELIVERY_TIMEOUT,
  PUBLISH_MAX_MESSAGE_AGE,
  PUBLISH_TIMEOUT,
  type WirefeedStackProps,
} from '../../infra/wirefeed-stack.ts';
import { type CloudFormationTemplate, resourcesOfType, type Synthesized, synthesizeWirefeed } from './synth.ts';

const US_EAST_1 = { account: '123456789012', region: 'us-east-1' };

function logicalId(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

function synthesize(props: Omit<WirefeedStackProps, 'env'>, env = US_EAST_1): Promise<Synthesized> {
  return synthesizeWirefeed({ env, props, skipBundling: true });
}

function alarms(json: CloudFormationTemplate): Record<string, unknown>[] {
  return resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, props]) => props);
}

describe('alarms', () => {
  let quiet: Synthesized;
  beforeAll(async () => {
    quiet = await synthesize({});
  });

  const alarmOf = (synth: Synthesized, alarm: cloudwatch.IAlarm) =>
    synth.json.Resources[logicalId(alarm as unknown as IConstruct)]?.Properties ?? {};

  it('watch dead letters and the oldest waiting message on both queues', () => {
    const { publishQueue, deliveryQueue } = quiet.stack;
    for (const queue of [publishQueue, deliveryQueue]) {
      expect(alarmOf(quiet, queue.deadLetterAlarm)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue.deadLetterQueue), 'QueueName'] } }],
        Threshold: 1,
      });
    }
    const age = (queue: typeof publishQueue, max: Duration) =>
      expect(alarmOf(quiet, queue.oldestMessageAlarm)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue.queue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: max.toSeconds(),
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    age(publishQueue, PUBLISH_MAX_MESSAGE_AGE);
    age(deliveryQueue, DELIVERY_MAX_MESSAGE_AGE);
    // One failed run and its retry fit under the publish threshold; a second failure does not.
    expect(PUBLISH_MAX_MESSAGE_AGE.toSeconds()).toBe(35 * 60);
  });

  it('watch errors, throttles and a duration near the timeout on both functions', () => {
    const cases = [
      [quiet.stack.publishFunction, PUBLISH_TIMEOUT],
      [quiet.stack.deliveryFunction, DELIVERY_TIMEOUT],
    ] as const;
    for (const [fn, timeout] of cases) {
      const dimensions = [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }];
      expect(alarmOf(quiet, fn.errorsAlarm)).toMatchObject({
        MetricName: 'Errors',
        Dimensions: dimensions,
        Threshold: 1,
      });
      expect(alarmOf(quiet, fn.throttlesAlarm)).toMatchObject({ MetricName: 'Throttles', Dimensions: dimensions });
      expect(alarmOf(quiet, fn.durationAlarm)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: dimensions,
        Statistic: 'Maximum',
        Threshold: timeout.toMilliseconds() * DURATION_ALARM_FRACTION,
      });
    }
  });

  it('exist with no action when no one is to be told', () => {
    expect(alarms(quiet.json)).toHaveLength(10);
    for (const alarm of alarms(quiet.json)) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.OKActions).toBeUndefined();
    }
    quiet.template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});
