import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isImageSourceKey } from '../../functions/core/assets.ts';
import { PUBLISH_MESSAGE_GROUP, parsePublishMessage, reconcileBody } from '../../functions/core/publish-messages.ts';
import { DEFAULT_SCHEDULE_MS, maxAttempts } from '../../functions/core/retry-schedule.ts';
import { ENV } from '../../functions/handlers/env-names.ts';
import { isSourceKey } from '../../functions/pipeline/publish/sources.ts';
import { addSecurityChecks } from '../../infra/constructs/security-checks.ts';
import { DELIVERY_MAX_CONCURRENCY, VISIBILITY_FACTOR, WirefeedStack } from '../../infra/wirefeed-stack.ts';
import { resourcesOfType, type Synthesized, type SynthOptions, synthesizeWirefeed } from './synth.ts';

let synth: Synthesized;

beforeAll(async () => {
  synth = await synthesizeWirefeed();
});

// Each cloud assembly holds copies of the bundles and the AWS CLI layer (tens of MB).
afterAll(() => rmSync(synth.outdir, { recursive: true, force: true }));

function logicalId(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

function statementsOfRole(roleLogicalId: string): Statement[] {
  return resourcesOfType(synth.json, 'AWS::IAM::Policy')
    .filter(([, props]) => JSON.stringify(props.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(([, props]) => (props.PolicyDocument as { Statement: Statement[] }).Statement);
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

const READ_ONLY_ACTION = /^(s3:(Get|List|Head)|sqs:(GetQueue|ReceiveMessage)|logs:(Describe|Get))/;

/** The directory the function's bundle was staged in: `asset.<hash>`, the hash being the S3 key of its zip. */
function bundleDirOf(fn: IConstruct): string {
  const code = synth.json.Resources[logicalId(fn)]?.Properties?.Code as { S3Key: string };
  return `asset.${code.S3Key.replace(/\.zip$/, '')}`;
}

describe('resource inventory', () => {
  it('synthesizes the topology of DESIGN.md and nothing more', () => {
    synth.template.resourceCountIs('AWS::S3::Bucket', 3);
    synth.template.resourceCountIs('AWS::SQS::Queue', 4);
    synth.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    // Content changes, and the scheduled reconcile.
    synth.template.resourceCountIs('AWS::Events::Rule', 2);
    synth.template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    synth.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    // Per queue: dead letters and oldest message; per function (publish, delivery, hub): errors, throttles, duration.
    synth.template.resourceCountIs('AWS::CloudWatch::Alarm', 13);
    synth.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    // Without alarmEmail or alarmTopicArn there is no topic, and without domainName no certificate or record.
    synth.template.resourceCountIs('AWS::SNS::Topic', 0);
    synth.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    synth.template.resourceCountIs('AWS::Route53::RecordSet', 0);
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    synth.template.resourceCountIs('Custom::CDKBucketDeployment', 1);
    // Publish, Delivery, Hub, and the two handlers CDK provides for BucketDeployment and bucket notifications.
    synth.template.resourceCountIs('AWS::Lambda::Function', 5);
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
  });

  it('outputs the three feed URLs, the bucket names and the queue names', () => {
    const outputs = synth.json.Outputs ?? {};
    for (const name of [
      'RssFeedUrl',
      'AtomFeedUrl',
      'JsonFeedUrl',
      'SiteUrl',
      'ContentBucketName',
      'SiteBucketName',
      'StateBucketName',
      'PublishQueueName',
      'DeliveryQueueName',
      'DeliveryDeadLetterQueueName',
      'DeliveryQueueUrl',
      'HubUrl',
    ]) {
      expect(outputs, name).toHaveProperty(name);
    }
    const distribution = logicalId(synth.stack.site.distribution);
    expect(outputs.RssFeedUrl?.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, '/feed.xml']],
    });
  });
});

describe('buckets', () => {
  it('block public access, encrypt with S3-managed keys and are retained on stack deletion', () => {
    const buckets = Object.values(synth.json.Resources).filter((resource) => resource.Type === 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(3);
    for (const bucket of buckets) {
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties?.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties?.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
  });

  it('deny every request that does not use TLS', () => {
    for (const bucket of [synth.stack.contentBucket, synth.stack.siteBucket, synth.stack.stateBucket]) {
      synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('version state and content, expire old versions, and leave the rebuildable site unversioned', () => {
    const bucketProps = (construct: IConstruct) => synth.json.Resources[logicalId(construct)]?.Properties ?? {};
    for (const bucket of [synth.stack.stateBucket, synth.stack.contentBucket]) {
      expect(bucketProps(bucket).VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(JSON.stringify(bucketProps(bucket).LifecycleConfiguration)).toContain('NoncurrentVersionExpiration');
    }
    expect(bucketProps(synth.stack.siteBucket).VersioningConfiguration).toBeUndefined();
    synth.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(synth.stack.contentBucket) },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });

  it('let only the CloudFront distribution read the site bucket: no public principal anywhere', () => {
    for (const [, props] of resourcesOfType(synth.json, 'AWS::S3::BucketPolicy')) {
      for (const statement of (props.PolicyDocument as { Statement: Statement[] }).Statement) {
        if (statement.Effect !== 'Allow') continue;
        expect(statement.Principal).not.toBe('*');
        expect(statement.Principal).not.toEqual({ AWS: '*' });
      }
    }
    synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(synth.stack.siteBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: ['s3:GetObject', 's3:ListBucket'],
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('queues', () => {
  it('serialize publishing: FIFO with content-based deduplication, a FIFO dead-letter queue after 3 receives', () => {
    const publish = synth.stack.publishQueue;
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(publish.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 3,
      },
    });
    expect(synth.json.Resources[logicalId(publish.deadLetterQueue)]?.Properties).toMatchObject({ FifoQueue: true });
  });

  it('dead-letter deliveries one receive after the last scheduled attempt, kept 14 days', () => {
    const delivery = synth.stack.deliveryQueue;
    expect(synth.json.Resources[logicalId(delivery.queue)]?.Properties).toMatchObject({
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(delivery.deadLetterQueue), 'Arn'] },
        maxReceiveCount: maxAttempts(DEFAULT_SCHEDULE_MS) + 1,
      },
    });
    expect(synth.json.Resources[logicalId(delivery.deadLetterQueue)]?.Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('encrypt every queue with SQS-managed keys and refuse non-TLS requests', () => {
    const queues = resourcesOfType(synth.json, 'AWS::SQS::Queue');
    for (const [, props] of queues) expect(props.SqsManagedSseEnabled).toBe(true);
    for (const [id] of queues) {
      synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: Match.arrayWith([{ Ref: id }]),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('alarm as soon as a delivery or a publish is dead-lettered', () => {
    for (const queue of [synth.stack.deliveryQueue, synth.stack.publishQueue]) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue.deadLetterQueue), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });
});

describe('event sources', () => {
  const mappings = () => resourcesOfType(synth.json, 'AWS::Lambda::EventSourceMapping').map(([, props]) => props);

  it('give each queue a visibility timeout at least six times its function timeout', () => {
    expect(mappings()).toHaveLength(2);
    for (const mapping of mappings()) {
      const queueId = (mapping.EventSourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const functionId = (mapping.FunctionName as { Ref: string }).Ref;
      const visibility = synth.json.Resources[queueId]?.Properties?.VisibilityTimeout as number;
      const timeout = synth.json.Resources[functionId]?.Properties?.Timeout as number;
      expect(timeout).toBeGreaterThan(0);
      expect(visibility).toBeGreaterThanOrEqual(VISIBILITY_FACTOR * timeout);
    }
  });

  it('report batch item failures, and cap concurrent deliveries', () => {
    for (const mapping of mappings()) expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(synth.stack.deliveryFunction) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(synth.stack.deliveryQueue.queue), 'Arn'] },
      ScalingConfig: { MaximumConcurrency: DELIVERY_MAX_CONCURRENCY },
    });
  });

  it('upload content/ only once the rule and the publish queue are in place, so the first deploy publishes', () => {
    const deployment = Object.values(synth.json.Resources).find((r) => r.Type === 'Custom::CDKBucketDeployment');
    const ruleId = resourcesOfType(synth.json, 'AWS::Events::Rule')[0]?.[0];
    const queuePolicies = resourcesOfType(synth.json, 'AWS::SQS::QueuePolicy')
      .filter(([, props]) => JSON.stringify(props.Queues).includes(`"${logicalId(synth.stack.publishQueue.queue)}"`))
      .map(([id]) => id);
    expect(queuePolicies).toHaveLength(1);
    expect(deployment?.DependsOn).toEqual(
      expect.arrayContaining([ruleId, logicalId(synth.stack.publishQueue.queue), ...queuePolicies]),
    );
  });

  it('route uploads and deletes of images beside articles to the publish queue, as sources of their own kind', () => {
    const rules = synth.template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.s3'] } },
    });
    const filters = Object.values(rules).flatMap(
      (rule) =>
        (rule as { Properties: { EventPattern: { detail: { object: { key: unknown[] } } } } }).Properties.EventPattern
          .detail.object.key,
    );
    // EventBridge matches a key by exact value or prefix; each image key the pipeline reads must pass one of them.
    const matches = (key: string) =>
      filters.some((f) => (typeof f === 'string' ? f === key : key.startsWith((f as { prefix: string }).prefix)));
    for (const key of ['articles/img/boat.png', 'articles/2026/photo.jpeg', 'articles/a.webp', 'articles/b.avif'])
      expect(matches(key), key).toBe(true);
    expect(isImageSourceKey('articles/img/boat.png') && isSourceKey('articles/img/boat.png')).toBe(true);
  });

  it('route created and deleted articles and site.json to the publish queue in one message group', () => {
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        detail: {
          bucket: { name: [{ Ref: logicalId(synth.stack.contentBucket) }] },
          object: { key: [{ prefix: 'articles/' }, 'site.json'] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(synth.stack.publishQueue.queue), 'Arn'] },
          SqsParameters: { MessageGroupId: 'publish' },
        }),
      ],
    });
  });
});

describe('the scheduled reconcile', () => {
  it('sends a reconcile into the publish queue every hour, in the one message group, the event time in its body', () => {
    const rule = synth.json.Resources[logicalId(synth.stack.reconcileSchedule as IConstruct)]?.Properties ?? {};
    expect(rule.ScheduleExpression).toBe('rate(1 hour)');
    expect(rule.State).toBe('ENABLED');
    const [target] = rule.Targets as Record<string, unknown>[];
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': [logicalId(synth.stack.publishQueue.queue), 'Arn'] },
      SqsParameters: { MessageGroupId: PUBLISH_MESSAGE_GROUP },
      InputTransformer: { InputPathsMap: { time: '$.time' } },
    });
    // What the queue receives once EventBridge has put in the time (as a JSON string, a placeholder outside quotes
    // stands for the value as JSON): a body the PublishFunction reads as a reconcile.
    const template = (target?.InputTransformer as { InputTemplate?: string } | undefined)?.InputTemplate ?? '';
    const body = template.replace('<time>', JSON.stringify('2026-03-01T12:00:00Z'));
    expect(parsePublishMessage(body)).toEqual({ kind: 'reconcile', time: '2026-03-01T12:00:00Z' });
    expect(JSON.parse(body)).toEqual(reconcileBody('2026-03-01T12:00:00Z'));
  });

  it('let the publish function send continuations to its own queue', () => {
    const role = logicalId(synth.stack.publishFunction.role as IConstruct);
    const queue = logicalId(synth.stack.publishQueue.queue);
    const sends = statementsOfRole(role).filter(
      (statement) =>
        actionsOf(statement).includes('sqs:SendMessage') &&
        resourcesOf(statement).some((resource) => JSON.stringify(resource).includes(`"${queue}"`)),
    );
    expect(sends).toHaveLength(1);
  });

  it('follows the reconcileEvery option, and is left out with off', async () => {
    const every = await synthesizeWirefeed({ skipBundling: true, props: { reconcileEvery: '15m' } });
    const off = await synthesizeWirefeed({ skipBundling: true, props: { reconcileEvery: 'off' } });
    for (const { outdir } of [every, off]) rmSync(outdir, { recursive: true, force: true });
    expect(
      resourcesOfType(every.json, 'AWS::Events::Rule').map(([, props]) => props.ScheduleExpression),
    ).toContainEqual('rate(15 minutes)');
    off.template.resourceCountIs('AWS::Events::Rule', 1);
    expect(off.stack.reconcileSchedule).toBeUndefined();
    // Refused before anything is built (so no asset is staged for a stack that cannot be).
    expect(() => new WirefeedStack(new App({ outdir: synth.outdir }), 'Bad', { reconcileEvery: 'hourly' })).toThrow(
      'reconcileEvery: expected a period such as 1h, 15m or 1d, or off, got "hourly"',
    );
  });
});

describe('functions', () => {
  const ours = () => [synth.stack.publishFunction, synth.stack.deliveryFunction, synth.stack.hub.function];

  it('run Node.js 24 on arm64 with JSON logs in a log group with bounded retention', () => {
    for (const fn of ours()) {
      const props = synth.json.Resources[logicalId(fn)]?.Properties ?? {};
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.LoggingConfig).toMatchObject({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } });
      const logGroupId = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(synth.json.Resources[logGroupId]?.Properties?.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('ship minified ESM bundles that create `require` for CommonJS dependencies', () => {
    for (const fn of ours()) {
      const code = bundleDirOf(fn);
      const bundle = readFileSync(join(synth.outdir, code, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import{createRequire as __wfCreateRequire}from'node:module';")).toBe(true);
      // Minified: long lines, not one indented statement per line (an unminified bundle averages ~40 characters).
      expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(500);
      expect(statSync(join(synth.outdir, code, 'index.mjs')).size).toBeLessThan(2_000_000);
      expect(readdirSync(join(synth.outdir, code)).filter((name) => name.endsWith('.js'))).toEqual([]);
    }
  });

  it('keep the normalizer, the renderers and the SQS client out of what a PublishFunction cold start loads', () => {
    const dir = join(synth.outdir, bundleDirOf(synth.stack.publishFunction));
    /** The chunks a file imports statically (`import … from"./chunks/…"`) or on demand (`import("./chunks/…")`). */
    const importsOf = (file: string, dynamic: boolean) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const pattern = dynamic ? /import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g : /from\s*["'](\.{1,2}\/[^"']+)["']/g;
      return [...text.matchAll(pattern)].map((m) => join(file, '..', m[1] as string));
    };
    const closure = (roots: string[]) => {
      const seen = new Set<string>();
      const todo = [...roots];
      for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
        if (seen.has(file)) continue;
        seen.add(file);
        todo.push(...importsOf(file, false));
      }
      return seen;
    };
    const eager = closure(['index.mjs']);
    const lazy = new Set(
      [...closure([...eager].flatMap((file) => importsOf(file, true)))].filter((f) => !eager.has(f)),
    );
    const text = (files: Set<string>) => [...files].map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
    // One marker each: the JSON Feed renderer, the normalizer's unreadable-source error, the SQS JSON protocol.
    const markers = ['https://jsonfeed.org/version/1.1', 'cannot be read: ', 'AmazonSQS'];
    const eagerText = text(eager);
    const lazyText = text(lazy);
    for (const marker of markers) {
      expect(eagerText.includes(marker), marker).toBe(false);
      expect(lazyText.includes(marker), marker).toBe(true);
    }
  });

  it('set exactly the environment each handler reads, and never the private-targets test flag', () => {
    const env = (fn: IConstruct) =>
      Object.keys(
        ((synth.json.Resources[logicalId(fn)]?.Properties?.Environment ?? {}) as { Variables: Record<string, unknown> })
          .Variables,
      ).sort();
    expect(env(synth.stack.publishFunction)).toEqual(
      [
        ENV.contentBucket,
        ENV.siteBucket,
        ENV.stateBucket,
        ENV.deliveryQueueUrl,
        ENV.publishQueueUrl,
        ENV.siteUrl,
        ENV.hubUrl,
        'NODE_OPTIONS',
      ].sort(),
    );
    expect(env(synth.stack.deliveryFunction)).toEqual(
      [ENV.stateBucket, ENV.siteBucket, ENV.deliveryQueueUrl, ENV.deliveryDeadLetterQueueUrl, 'NODE_OPTIONS'].sort(),
    );
    expect(env(synth.stack.hub.function)).toEqual(
      [ENV.contentBucket, ENV.stateBucket, ENV.deliveryQueueUrl, ENV.siteUrl, 'NODE_OPTIONS'].sort(),
    );
  });

  it('let the delivery function send to its own queue (endpoint.disabled notices), and take the disable period from the stack options', async () => {
    const role = logicalId(synth.stack.deliveryFunction.role as IConstruct);
    const queue = logicalId(synth.stack.deliveryQueue.queue);
    const sends = statementsOfRole(role).filter(
      (statement) =>
        actionsOf(statement).includes('sqs:SendMessage') &&
        resourcesOf(statement).some((resource) => JSON.stringify(resource).includes(`"${queue}"`)),
    );
    expect(sends).toHaveLength(1);

    const custom = await synthesizeWirefeed({ skipBundling: true, props: { subscriberDisableAfter: '7d' } });
    const variables = (
      (custom.json.Resources[logicalId(custom.stack.deliveryFunction)]?.Properties?.Environment ?? {}) as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables[ENV.disableFailingAfter]).toBe('7d');
  });

  it('grant no write action on `*`, and no action at all outside the buckets, queues and logs they use', () => {
    const allowed = (fn: IConstruct, resources: IConstruct[]) => {
      const role = logicalId((fn as unknown as { role: IConstruct }).role);
      const ids = resources.map(logicalId);
      for (const statement of statementsOfRole(role)) {
        for (const resource of resourcesOf(statement)) {
          const text = JSON.stringify(resource);
          if (resource === '*') {
            expect(
              actionsOf(statement).every((action) => READ_ONLY_ACTION.test(action)),
              text,
            ).toBe(true);
            continue;
          }
          expect(
            ids.some((id) => text.includes(`"${id}"`)),
            `${actionsOf(statement).join(',')} on ${text}`,
          ).toBe(true);
        }
      }
    };
    const { stack } = synth;
    const logGroup = (fn: IConstruct) => fn.node.scope?.node.findChild(`${fn.node.id}Logs`) as IConstruct;
    allowed(stack.publishFunction, [
      stack.contentBucket,
      stack.siteBucket,
      stack.stateBucket,
      stack.deliveryQueue.queue,
      stack.publishQueue.queue,
      logGroup(stack.publishFunction),
    ]);
    allowed(stack.deliveryFunction, [
      stack.stateBucket,
      stack.siteBucket,
      stack.deliveryQueue.queue,
      stack.deliveryQueue.deadLetterQueue,
      logGroup(stack.deliveryFunction),
    ]);
    allowed(stack.hub.function, [
      stack.contentBucket,
      stack.stateBucket,
      stack.deliveryQueue.queue,
      logGroup(stack.hub.function),
    ]);
  });

  it('let the publish function only read content, and write site and state objects', () => {
    const role = logicalId(synth.stack.publishFunction.role as IConstruct);
    const objectStatements = statementsOfRole(role).filter((statement) =>
      JSON.stringify(statement.Resource).includes('/*'),
    );
    const actionsOn = (bucket: IConstruct) =>
      objectStatements
        .filter((statement) => JSON.stringify(statement.Resource).includes(`"${logicalId(bucket)}"`))
        .flatMap(actionsOf)
        .sort();
    expect(actionsOn(synth.stack.contentBucket)).toEqual(['s3:GetObject']);
    expect(actionsOn(synth.stack.siteBucket)).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(actionsOn(synth.stack.stateBucket)).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
  });
});

describe('the WebSub hub', () => {
  const hubId = () => logicalId(synth.stack.hub.function);

  it('is HubFunction behind an HTTP API route POST /hub, its URL a stack output passed to the publish function', () => {
    const routes = resourcesOfType(synth.json, 'AWS::ApiGatewayV2::Route').map(([, props]) => props.RouteKey);
    expect(routes.sort()).toEqual(['GET /hub', 'POST /hub']);
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [hubId(), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    const url = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(synth.stack.hub.api), 'ApiEndpoint'] }, '/hub']] };
    expect(synth.json.Outputs?.HubUrl?.Value).toEqual(url);
    const publish = synth.json.Resources[logicalId(synth.stack.publishFunction)]?.Properties?.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(publish.Variables[ENV.hubUrl]).toEqual(url);
  });

  it('takes unauthenticated requests (a public hub), rate-limited for everyone at the stage, with access logs', () => {
    for (const [, props] of resourcesOfType(synth.json, 'AWS::ApiGatewayV2::Route')) {
      expect(props.AuthorizationType).toBe('NONE');
    }
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('can be invoked only by this API: every permission on the function names it as the source', () => {
    const permissions = resourcesOfType(synth.json, 'AWS::Lambda::Permission').filter(([, props]) =>
      JSON.stringify(props.FunctionName).includes(hubId()),
    );
    expect(permissions).toHaveLength(2);
    for (const [, props] of permissions) {
      expect(props.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(props.SourceArn)).toContain(logicalId(synth.stack.hub.api));
    }
    synth.template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  it('acknowledges the unauthenticated routes in cdk-nag with why the hub is public and what bounds it', () => {
    const suppressions = resourcesOfType(synth.json, 'AWS::ApiGatewayV2::Route').flatMap(
      ([id]) =>
        (synth.json.Resources[id]?.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason: string }[] })
          ?.rules_to_suppress ?? [],
    );
    expect(suppressions.map((suppression) => suppression.id)).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-APIG4']);
    for (const { reason } of suppressions) expect(reason).toMatch(/public by design.*rate.*16 KiB.*SSRF guard/);
  });

  it('takes another rate limit from the stack’s props', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new WirefeedStack(app, 'Wirefeed', { hubRateLimit: 2, hubBurstLimit: 5 });
    const template = Template.fromStack(app.node.findChild('Wirefeed') as Stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 5 },
    });
  });

  it('lets the delivery function only read the site bucket, for the topics it distributes', () => {
    const role = logicalId(synth.stack.deliveryFunction.role as IConstruct);
    const onSite = statementsOfRole(role).filter(
      (statement) =>
        JSON.stringify(statement.Resource).includes(`"${logicalId(synth.stack.siteBucket)}"`) &&
        JSON.stringify(statement.Resource).includes('/*'),
    );
    expect(onSite.flatMap(actionsOf)).toEqual(['s3:GetObject']);
  });
});

describe('CloudFront', () => {
  it('serves index.html at the root over HTTPS only, through Origin Access Control', () => {
    synth.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: Match.anyValue(),
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        Origins: [
          Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } }),
        ],
      }),
    });
    synth.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CustomErrorResponses: [403, 404].map((code) => ({
          ErrorCode: code,
          ResponseCode: 404,
          ResponsePagePath: '/404.html',
          ErrorCachingMinTTL: 300,
        })),
      }),
    });
    synth.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
  });

  it("lets each object's Cache-Control decide how long it is cached", () => {
    synth.template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ MinTTL: 0, MaxTTL: 365 * 24 * 3600 }),
    });
  });

  it('adds security headers to every response', () => {
    synth.template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000 }),
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'none'"),
          }),
        }),
      }),
    });
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('leave no unacknowledged finding, errors or warnings', () => {
    expect(synth.violations).toEqual([]);
  });

  it('give every acknowledgement a reason of its own', () => {
    const reasons: string[] = [];
    for (const resource of Object.values(synth.json.Resources)) {
      const suppressions = (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason: string }[] })
        ?.rules_to_suppress;
      for (const suppression of suppressions ?? []) {
        expect(suppression.reason.length, suppression.id).toBeGreaterThanOrEqual(40);
        reasons.push(suppression.reason);
      }
    }
    expect(reasons.length).toBeGreaterThan(10);
  });

  it('fail the synth of a stack with a public function URL nobody acknowledged', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Careless');
    const fn = new lambda.Function(stack, 'Open', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    addSecurityChecks(app);
    expect(() => app.synth()).toThrow(/Wirefeed-PublicFunctionUrl/);
  });

  it('fail the synth of a stack with a public, plain-HTTP bucket', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Careless');
    new s3.Bucket(stack, 'Open', { removalPolicy: RemovalPolicy.DESTROY });
    addSecurityChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});

describe('cdk-nag in every environment `cdk synth` and `cdk deploy` run in', () => {
  const bound = { account: '123456789012', region: 'us-east-1' };
  const cases: [string, SynthOptions][] = [
    ['bound to the account and region of the credentials', { env: bound }],
    [
      'bound to another account, in a region with a longer name',
      { env: { account: '210987654321', region: 'ap-southeast-4' } },
    ],
    ['environment-agnostic, bootstrapped with another qualifier', { qualifier: 'newsroom1' }],
    ['bound, and bootstrapped with another qualifier', { env: bound, qualifier: 'newsroom1' }],
  ];

  it.each(cases)('leave no unacknowledged finding when %s', async (_, options) => {
    const result = await synthesizeWirefeed({ ...options, skipBundling: true });
    rmSync(result.outdir, { recursive: true, force: true });
    expect(result.violations).toEqual([]);
    const qualifier = options.qualifier ?? 'hnb659fds';
    const account = options.env?.account ?? '<AWS::AccountId>';
    const region = options.env?.region ?? '<AWS::Region>';
    // The acknowledgement names this environment's own assets bucket, and its reason reaches the template.
    const assets = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${account}-${region}/*]`;
    const acknowledged = Object.values(result.json.Resources).flatMap(
      (resource) =>
        (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string }[] } | undefined)?.rules_to_suppress ?? [],
    );
    expect(acknowledged.map((rule) => rule.id)).toContain(assets);
  });

  it('still refuse a wildcard on any other bucket in the same policy', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new WirefeedStack(app, 'Wirefeed', { env: bound });
    stack.contentDeployment.handlerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: ['arn:aws:s3:::cdk-hnb659fds-assets-123456789012-us-east-1-copy/*'],
      }),
    );
    addSecurityChecks(app);
    expect(() => app.synth()).toThrow(
      /AwsSolutions-IAM5\[Resource::arn:aws:s3:::cdk-hnb659fds-assets-123456789012-us-east-1-copy/,
    );
  });
});
