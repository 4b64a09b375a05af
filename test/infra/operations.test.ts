/**
 * The stack as an operator runs it: a custom domain in both certificate modes, alarms that notify a topic (or
 * nothing), the dashboard, what a deploy uploads and what `cdk destroy` leaves behind.
 */
import { rmSync } from 'node:fs';
import { App, type CfnResource, type Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { ENV } from '../../functions/handlers/env-names.ts';
import {
  DELIVERY_METRICS,
  DIMENSION,
  METRIC_NAMESPACE,
  type MetricDefinition,
  PUBLISH_METRICS,
} from '../../functions/handlers/metric-names.ts';
import { DURATION_ALARM_FRACTION } from '../../infra/constructs/wirefeed-function.ts';
import {
  DELIVERY_MAX_MESSAGE_AGE,
  DELIVERY_TIMEOUT,
  PUBLISH_MAX_MESSAGE_AGE,
  PUBLISH_TIMEOUT,
  WirefeedStack,
  type WirefeedStackProps,
} from '../../infra/wirefeed-stack.ts';
import { type CloudFormationTemplate, resourcesOfType, type Synthesized, synthesizeWirefeed } from './synth.ts';

const US_EAST_1 = { account: '123456789012', region: 'us-east-1' };
const EU_WEST_1 = { account: '123456789012', region: 'eu-west-1' };
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const ZONE = { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' };
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:newsroom-pager';

function logicalId(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

// Each cloud assembly holds copies of content/ and the AWS CLI layer (tens of MB): removed after the file runs.
const assemblies: string[] = [];
afterAll(() => {
  for (const outdir of assemblies) rmSync(outdir, { recursive: true, force: true });
});

async function synthesizeTracked(options: Parameters<typeof synthesizeWirefeed>[0]): Promise<Synthesized> {
  const synth = await synthesizeWirefeed(options);
  assemblies.push(synth.outdir);
  return synth;
}

function synthesize(props: Omit<WirefeedStackProps, 'env'>, env = US_EAST_1): Promise<Synthesized> {
  return synthesizeTracked({ env, props, skipBundling: true });
}

/** Builds the stack without synthesizing it: for the settings that must stop the synth. */
function construct(props: Omit<WirefeedStackProps, 'env'>, env: { account: string; region: string } | null) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new WirefeedStack(app, 'Wirefeed', { ...props, ...(env === null ? {} : { env }) });
}

function viewerCertificate(synth: Synthesized): Record<string, unknown> | undefined {
  const [[, props] = ['', {}]] = resourcesOfType(synth.json, 'AWS::CloudFront::Distribution');
  return (props.DistributionConfig as { ViewerCertificate?: Record<string, unknown> }).ViewerCertificate;
}

function siteUrlOf(synth: Synthesized): unknown {
  const fn = synth.json.Resources[logicalId(synth.stack.publishFunction)];
  const environment = fn?.Properties?.Environment as { Variables: Record<string, unknown> } | undefined;
  return environment?.Variables[ENV.siteUrl];
}

function alarms(json: CloudFormationTemplate): Record<string, unknown>[] {
  return resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, props]) => props);
}

/** Every acknowledgement cdk-nag wrote into the template. */
function acknowledged(json: CloudFormationTemplate): string[] {
  return Object.values(json.Resources).flatMap(
    (resource) =>
      (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string }[] } | undefined)?.rules_to_suppress?.map(
        (rule) => rule.id,
      ) ?? [],
  );
}

describe('custom domain with an existing certificate', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthesize({ domain: { domainName: 'News.Example.com', certificateArn: CERTIFICATE_ARN } });
  });

  it('serves the domain as a CloudFront alias with that certificate, over TLS 1.2 and SNI', () => {
    synth.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Aliases: ['news.example.com'] }),
    });
    expect(viewerCertificate(synth)).toEqual({
      AcmCertificateArn: CERTIFICATE_ARN,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    synth.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  it('creates no DNS record without a zone, and outputs the name a CNAME points at', () => {
    synth.template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(synth.json.Outputs?.DistributionDomainName?.Value).toEqual({
      'Fn::GetAtt': [logicalId(synth.stack.site.distribution), 'DomainName'],
    });
  });

  it('gives the PublishFunction and the outputs the domain as site URL', () => {
    expect(siteUrlOf(synth)).toBe('https://news.example.com');
    expect(synth.json.Outputs?.RssFeedUrl?.Value).toBe('https://news.example.com/feed.xml');
    expect(synth.json.Outputs?.SiteUrl?.Value).toBe('https://news.example.com/');
  });

  it("keeps HSTS to the site's own host on the operator's domain", () => {
    synth.template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ IncludeSubdomains: false }),
        }),
      }),
    });
  });

  it('passes cdk-nag without the default-certificate acknowledgement', () => {
    expect(synth.violations).toEqual([]);
    expect(acknowledged(synth.json)).not.toContain('AwsSolutions-CFR4');
  });
});

describe('custom domain from a Route 53 hosted zone', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthesize({ domain: { domainName: 'news.example.com', hostedZone: ZONE } });
  });

  it('requests a certificate for the domain, validated by DNS in the zone', () => {
    synth.template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'news.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'news.example.com', HostedZoneId: ZONE.hostedZoneId }],
    });
    const certificate = logicalId(synth.stack.domain?.certificate as unknown as IConstruct);
    expect(viewerCertificate(synth)).toMatchObject({ AcmCertificateArn: { Ref: certificate } });
  });

  it('points A and AAAA alias records at the distribution', () => {
    const records = resourcesOfType(synth.json, 'AWS::Route53::RecordSet').map(([, props]) => props);
    expect(records.map((record) => record.Type).sort()).toEqual(['A', 'AAAA']);
    for (const record of records) {
      expect(record).toMatchObject({
        Name: 'news.example.com.',
        HostedZoneId: ZONE.hostedZoneId,
        AliasTarget: {
          DNSName: { 'Fn::GetAtt': [logicalId(synth.stack.site.distribution), 'DomainName'] },
          // CloudFront's own zone, looked up by partition.
          HostedZoneId: { 'Fn::FindInMap': [expect.any(String), { Ref: 'AWS::Partition' }, 'zoneId'] },
        },
      });
    }
    expect(siteUrlOf(synth)).toBe('https://news.example.com');
  });

  it('passes cdk-nag', () => {
    expect(synth.violations).toEqual([]);
  });

  it('uses a given certificate instead of requesting one, and still creates the records', async () => {
    const both = await synthesize({
      domain: { domainName: 'example.com', certificateArn: CERTIFICATE_ARN, hostedZone: ZONE },
    });
    both.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(viewerCertificate(both)).toMatchObject({ AcmCertificateArn: CERTIFICATE_ARN });
    // The zone apex works too.
    const names = resourcesOfType(both.json, 'AWS::Route53::RecordSet').map(([, props]) => props.Name);
    expect(names).toEqual(['example.com.', 'example.com.']);
  });

  it('fails the deploy outside us-east-1 when the region is only known at deploy time', async () => {
    const agnostic = await synthesizeTracked({
      props: { domain: { domainName: 'news.example.com', hostedZone: ZONE } },
      skipBundling: true,
    });
    const rules = (agnostic.json as { Rules?: Record<string, { Assertions: unknown[] }> }).Rules ?? {};
    const region = Object.entries(rules).find(([id]) => id.startsWith('DomainCertificateRegion'));
    expect(region?.[1].Assertions).toEqual([
      {
        Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
        AssertDescription: expect.stringContaining('certificateArn'),
      },
    ]);
    // A stack bound to us-east-1 needs no such rule.
    expect(Object.keys((synth.json as { Rules?: object }).Rules ?? {})).toEqual(['CheckBootstrapVersion']);
  });
});

describe('custom domain settings that cannot work', () => {
  const cases: [string, NonNullable<WirefeedStackProps['domain']>, typeof EU_WEST_1 | null, RegExp][] = [
    [
      'a certificate outside us-east-1',
      { domainName: 'news.example.com', certificateArn: CERTIFICATE_ARN.replace('us-east-1', 'eu-west-1') },
      US_EAST_1,
      /^certificateArn: the certificate is in eu-west-1, but CloudFront only uses ACM certificates in us-east-1/,
    ],
    [
      'a zone, no certificate, and a stack in eu-west-1',
      { domainName: 'news.example.com', hostedZone: ZONE },
      EU_WEST_1,
      /^hostedZoneId: this stack deploys to eu-west-1, .* pass certificateArn/,
    ],
    [
      'a domain outside its zone',
      { domainName: 'news.example.org', hostedZone: ZONE },
      US_EAST_1,
      /^domainName: news\.example\.org is not in the hosted zone example\.com$/,
    ],
    [
      'neither a certificate nor a zone',
      { domainName: 'news.example.com' },
      null,
      /^domainName: news\.example\.com needs certificateArn .* or hostedZoneId and zoneName/,
    ],
    [
      'a URL instead of a host name',
      { domainName: 'https://news.example.com/', certificateArn: CERTIFICATE_ARN },
      null,
      /^domainName: give the host name only/,
    ],
    ['a single label', { domainName: 'localhost', certificateArn: CERTIFICATE_ARN }, null, /^domainName: "localhost"/],
    [
      'something else than a certificate ARN',
      { domainName: 'news.example.com', certificateArn: 'arn:aws:iam::123456789012:role/x' },
      null,
      /^certificateArn: .* is not an ACM certificate ARN/,
    ],
    [
      'a malformed zone id',
      { domainName: 'news.example.com', hostedZone: { hostedZoneId: 'example.com', zoneName: 'example.com' } },
      US_EAST_1,
      /^hostedZoneId: "example\.com" is not a Route 53 hosted zone id/,
    ],
  ];

  it.each(cases)('stop the synth with one line naming the setting: %s', (_, domain, env, message) => {
    let error: unknown;
    try {
      construct({ domain }, env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('alarms', () => {
  let quiet: Synthesized;
  let emailed: Synthesized;
  beforeAll(async () => {
    quiet = await synthesize({});
    emailed = await synthesize({ alarmEmail: ['desk@example.com', 'oncall@example.com'] });
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
    expect(alarms(quiet.json)).toHaveLength(13);
    for (const alarm of alarms(quiet.json)) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.OKActions).toBeUndefined();
    }
    quiet.template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(quiet.json.Outputs).not.toHaveProperty('AlarmTopicArn');
  });

  it('all notify the alarm topic, going into alarm and back to OK, when alarmEmail is set', () => {
    const [[topicId] = ['']] = resourcesOfType(emailed.json, 'AWS::SNS::Topic');
    const names = alarms(emailed.json).map((alarm) => alarm.AlarmName);
    expect(names.sort()).toEqual(
      [
        'Wirefeed-DeliveryFunction-duration',
        'Wirefeed-DeliveryFunction-errors',
        'Wirefeed-DeliveryFunction-throttles',
        'Wirefeed-DeliveryQueue-dead-letters',
        'Wirefeed-DeliveryQueue-oldest-message',
        'Wirefeed-HubFunction-duration',
        'Wirefeed-HubFunction-errors',
        'Wirefeed-HubFunction-throttles',
        'Wirefeed-PublishFunction-duration',
        'Wirefeed-PublishFunction-errors',
        'Wirefeed-PublishFunction-throttles',
        'Wirefeed-PublishQueue-dead-letters',
        'Wirefeed-PublishQueue-oldest-message',
      ].sort(),
    );
    for (const alarm of alarms(emailed.json)) {
      expect(alarm.AlarmActions, String(alarm.AlarmName)).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions, String(alarm.AlarmName)).toEqual([{ Ref: topicId }]);
    }
    const endpoints = resourcesOfType(emailed.json, 'AWS::SNS::Subscription').map(([, props]) => props);
    expect(endpoints).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: 'desk@example.com', TopicArn: { Ref: topicId } }),
      expect.objectContaining({ Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId } }),
    ]);
    expect(emailed.json.Outputs?.AlarmTopicArn?.Value).toEqual({ Ref: topicId });
  });

  it("let only this account's alarms publish to the topic, over TLS, unencrypted unless asked", () => {
    const [[topicId] = ['', {}]] = resourcesOfType(emailed.json, 'AWS::SNS::Topic');
    emailed.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': US_EAST_1.account },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:us-east-1:123456789012:alarm:*']],
                },
              },
            },
          }),
        ]),
      },
    });
    expect(emailed.json.Resources[topicId]?.Properties?.KmsMasterKeyId).toBeUndefined();
    emailed.template.resourceCountIs('AWS::KMS::Key', 0);
    expect(emailed.violations).toEqual([]);
  });

  it('encrypt the topic with a rotated key that CloudWatch may use, when encryptAlarmTopic is set', async () => {
    const encrypted = await synthesize({ alarmEmail: ['desk@example.com'], encryptAlarmTopic: true });
    const [[keyId] = ['']] = resourcesOfType(encrypted.json, 'AWS::KMS::Key');
    encrypted.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    encrypted.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': US_EAST_1.account } }),
          }),
        ]),
      },
    });
    expect(encrypted.violations).toEqual([]);
  });

  it('notify an existing topic instead, creating none', async () => {
    const routed = await synthesize({ alarmTopicArn: TOPIC_ARN });
    routed.template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(alarms(routed.json)).toHaveLength(13);
    for (const alarm of alarms(routed.json)) expect(alarm.AlarmActions).toEqual([TOPIC_ARN]);
  });

  it('cover an alarm another construct adds to the stack later', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new WirefeedStack(app, 'Wirefeed', { env: US_EAST_1, alarmTopicArn: TOPIC_ARN });
    const later = stack.publishQueue.queue
      .metricNumberOfMessagesSent()
      .createAlarm(stack, 'LaterAlarm', { threshold: 1000, evaluationPeriods: 1 });
    const assembly = app.synth();
    assemblies.push(assembly.directory);
    const template = assembly.getStackByName('Wirefeed').template as CloudFormationTemplate;
    expect(template.Resources[logicalId(later)]?.Properties?.AlarmActions).toEqual([TOPIC_ARN]);
  });

  const refused: [string, Omit<WirefeedStackProps, 'env'>, RegExp][] = [
    ['a malformed address', { alarmEmail: ['desk.example.com'] }, /^alarmEmail: "desk\.example\.com"/],
    [
      'an address and a topic',
      { alarmEmail: ['desk@example.com'], alarmTopicArn: TOPIC_ARN },
      /^alarmEmail: give alarmEmail or alarmTopicArn, not both/,
    ],
    [
      'a topic in another region',
      { alarmTopicArn: TOPIC_ARN.replace('us-east-1', 'eu-west-1') },
      /^alarmTopicArn: the topic is in eu-west-1, and CloudWatch alarms in us-east-1/,
    ],
    ['no topic to encrypt', { encryptAlarmTopic: true }, /^encryptAlarmTopic: there is no topic to encrypt/],
    ['something else than a topic ARN', { alarmTopicArn: 'newsroom-pager' }, /^alarmTopicArn: .* not an SNS topic/],
  ];

  it.each(refused)('stop the synth with one line naming the setting: %s', (_, props, message) => {
    expect(() => construct(props, US_EAST_1)).toThrow(message);
  });
});

/** The dashboard body with every `Ref`/`Fn::GetAtt` replaced by `<logicalId>` or `<logicalId.Attr>`, parsed. */
function dashboardBody(synth: Synthesized): { widgets: { type: string; properties: Record<string, unknown> }[] } {
  const [[, props] = ['', {}]] = resourcesOfType(synth.json, 'AWS::CloudWatch::Dashboard');
  const [, parts] = (props.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref !== undefined) return `<${ref}>`;
      const [id, attribute] = (part as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      return `<${id}.${attribute}>`;
    })
    .join('');
  return JSON.parse(text);
}

describe('dashboard', () => {
  let synth: Synthesized;
  let metrics: unknown[][];
  beforeAll(async () => {
    synth = await synthesize({ alarmEmail: ['desk@example.com'] });
    metrics = dashboardBody(synth).widgets.flatMap(
      (widget) => (widget.properties.metrics as unknown[][] | undefined) ?? [],
    );
  });

  const has = (namespace: string, name: string, dimension: string, value: string) =>
    metrics.some((m) => m[0] === namespace && m[1] === name && m[2] === dimension && m[3] === value);

  it('shows depth, age of the oldest message and dead letters of both queues', () => {
    for (const queue of [synth.stack.publishQueue, synth.stack.deliveryQueue]) {
      const main = `<${logicalId(queue.queue)}.QueueName>`;
      expect(has('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', main)).toBe(true);
      expect(has('AWS/SQS', 'ApproximateNumberOfMessagesNotVisible', 'QueueName', main)).toBe(true);
      expect(has('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', main)).toBe(true);
      const dead = `<${logicalId(queue.deadLetterQueue)}.QueueName>`;
      expect(has('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', dead)).toBe(true);
    }
  });

  it('shows invocations, errors, throttles and duration of both functions', () => {
    for (const fn of [synth.stack.publishFunction, synth.stack.deliveryFunction]) {
      for (const name of ['Invocations', 'Errors', 'Throttles', 'Duration']) {
        expect(has('AWS/Lambda', name, 'FunctionName', `<${logicalId(fn)}>`), name).toBe(true);
      }
    }
  });

  it('graphs every custom metric under the namespace and dimensions the handlers emit it with', () => {
    const expressions: string[] = metrics.flatMap((m) =>
      m.flatMap((part) => (part as { expression?: string }).expression ?? []),
    );
    const shows = (metric: MetricDefinition, fn: IConstruct) => {
      const service = `<${logicalId(fn)}>`;
      if (metric.dimensions.length === 1) return has(METRIC_NAMESPACE, metric.name, DIMENSION.service, service);
      const schema = `{${[METRIC_NAMESPACE, ...metric.dimensions].join(',')}}`;
      return expressions.some(
        (e) => e.includes(schema) && e.includes(`MetricName="${metric.name}"`) && e.includes(`service="${service}"`),
      );
    };
    for (const metric of Object.values(PUBLISH_METRICS)) {
      expect(shows(metric, synth.stack.publishFunction), metric.name).toBe(true);
    }
    for (const metric of Object.values(DELIVERY_METRICS)) {
      expect(shows(metric, synth.stack.deliveryFunction), metric.name).toBe(true);
    }
  });

  it('lists every alarm of the stack in its alarm widget', () => {
    const widget = dashboardBody(synth).widgets.find((w) => w.type === 'alarm');
    const listed = ((widget?.properties.alarms ?? []) as string[]).map((arn) => arn.replace(/^<|\.Arn>$/g, ''));
    const all = resourcesOfType(synth.json, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(listed.sort()).toEqual(all.sort());
  });

  it('is named after the stack and its region, and linked from the outputs', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Wirefeed-us-east-1' });
    expect(synth.json.Outputs?.DashboardUrl?.Value).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/Wirefeed-us-east-1',
    );
  });

  it('is left out with dashboard: false', async () => {
    const without = await synthesize({ dashboard: false });
    without.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(without.json.Outputs).not.toHaveProperty('DashboardUrl');
  });
});

describe('deploys and teardown', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthesize({});
  });

  it('upload content/ without deleting what is not in it, unless pruneContent is set', async () => {
    synth.template.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: false, RetainOnDelete: true });
    const mirrored = await synthesize({ pruneContent: true });
    mirrored.template.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: true, RetainOnDelete: true });
    expect(mirrored.violations).toEqual([]);
  });

  it('keep one month of logs in every log group the stack creates', () => {
    const groups = resourcesOfType(synth.json, 'AWS::Logs::LogGroup');
    // The three functions', the content copy's, and the hub API's access logs.
    expect(groups).toHaveLength(5);
    for (const [, props] of groups) expect(props.RetentionInDays).toBe(30);
  });

  it('retain exactly the three buckets and the three function log groups on `cdk destroy`', () => {
    const retained = Object.entries(synth.json.Resources)
      .filter(([, resource]) => resource.DeletionPolicy === 'Retain')
      .map(([id]) => id)
      .sort();
    const { stack } = synth;
    expect(retained).toEqual(
      [
        stack.contentBucket,
        stack.siteBucket,
        stack.stateBucket,
        stack.publishFunction.logGroup,
        stack.deliveryFunction.logGroup,
        stack.hub.function.logGroup,
      ]
        .map((construct) => logicalId(construct as unknown as IConstruct))
        .sort(),
    );
    expect(synth.json.Outputs?.PublishLogGroupName?.Value).toEqual({ Ref: logicalId(stack.publishFunction.logGroup) });
    expect(synth.json.Outputs?.DeliveryLogGroupName?.Value).toEqual({
      Ref: logicalId(stack.deliveryFunction.logGroup),
    });
    expect(synth.json.Outputs?.HubLogGroupName?.Value).toEqual({ Ref: logicalId(stack.hub.function.logGroup) });
  });

  it('delete the encryption key with the stack after the shortest waiting period', async () => {
    const encrypted = await synthesize({ alarmEmail: ['desk@example.com'], encryptAlarmTopic: true });
    const [[, key] = ['', {}]] = resourcesOfType(encrypted.json, 'AWS::KMS::Key');
    expect(key.PendingWindowInDays).toBe(7);
    const keyResource = Object.values(encrypted.json.Resources).find((r) => r.Type === 'AWS::KMS::Key');
    expect(keyResource?.DeletionPolicy).toBe('Delete');
  });
});

describe('every option at once', () => {
  const everything: Omit<WirefeedStackProps, 'env'> = {
    domain: { domainName: 'news.example.com', hostedZone: ZONE },
    alarmEmail: ['desk@example.com'],
    encryptAlarmTopic: true,
    pruneContent: true,
  };

  it.each([
    ['bound to us-east-1', US_EAST_1],
    ['environment-agnostic', undefined],
  ])('synthesizes %s with no unacknowledged finding', async (_, env) => {
    const synth = await synthesizeTracked({ ...(env ? { env } : {}), props: everything, skipBundling: true });
    expect(synth.violations).toEqual([]);
    expect(alarms(synth.json).every((alarm) => Array.isArray(alarm.AlarmActions))).toBe(true);
  });
});
