import * as path from 'node:path';
import { type CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvName } from '../../functions/handlers/env-names.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');
/** Re-bundles a handler with code splitting over NodejsFunction's single file (see the script's comment). */
const BUNDLE_LAMBDA = path.join(PROJECT_ROOT, 'bin', 'bundle-lambda.mjs');

/** The runtime every function uses; the bundles are built for the same Node.js version. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * ESM bundles still contain CommonJS dependencies (parts of the AWS SDK) that call `require`; ESM has none, so the
 * bundle creates one first.
 */
const REQUIRE_BANNER =
  "import{createRequire as __wfCreateRequire}from'node:module';const require=__wfCreateRequire(import.meta.url);";

export interface WirefeedFunctionProps {
  /** File name under `functions/handlers/`, without extension, e.g. `publish`. */
  readonly handler: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

/** The share of its timeout a run may take before the duration alarm calls it close to being cut off. */
export const DURATION_ALARM_FRACTION = 0.8;

export type BucketAccess = 'read' | 'readWrite';
export type QueueAccess = 'send' | 'consume';

/**
 * A handler from `functions/handlers/`, bundled by the local esbuild (never Docker) as a minified ESM file with
 * the AWS SDK inside (the version the tests ran, not whatever the runtime ships), running on arm64 with JSON logs
 * kept for a bounded time.
 *
 * Resources are attached only through the `bind*` methods, each of which sets the environment variable the
 * handler reads and grants exactly the access it needs in one step, so configuration and permissions cannot drift.
 *
 * Every function has three alarms: errors (a crash, a timeout or a failed start: a handler that reports failed
 * records returns normally and is not counted), throttles, and a run longer than
 * {@link DURATION_ALARM_FRACTION} of the timeout.
 */
export class WirefeedFunction extends nodejs.NodejsFunction {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly throttlesAlarm: cloudwatch.Alarm;
  readonly durationAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WirefeedFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An own role instead of AWSLambdaBasicExecutionRole, whose log permissions apply to every log group (`*`).
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: writes its own log group; everything else is granted by the bind* methods`,
    });
    logGroup.grantWrite(role);
    const entry = path.join(PROJECT_ROOT, 'functions', 'handlers', `${props.handler}.ts`);
    super(scope, id, {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: REQUIRE_BANNER,
        minify: true,
        // Errors name themselves after their class (`new.target.name`); minified names would log as "un".
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK too: the code that runs is the code the tests ran.
        externalModules: [],
        metafile: false,
        // The settings above make the single-file bundle NodejsFunction builds; bin/bundle-lambda.mjs then rebuilds
        // it over the same directory with the same settings and code splitting, so what a handler imports lazily
        // (the normalizer and renderers, the SQS client) is its own chunk, off the cold start (README, "Cold start").
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => [
            [process.execPath, BUNDLE_LAMBDA, entry, outputDir].map((arg) => JSON.stringify(arg)).join(' '),
          ],
        },
      },
    });
    const name = `${Stack.of(this).stackName}-${id}`;
    const everyFiveMinutes = { period: Duration.minutes(5) };
    const atLeastOnce = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmName: `${name}-errors`,
      alarmDescription: `${id} crashed, timed out or failed to start. Its log group holds the error; the queue retries the batch.`,
      metric: this.metricErrors({ ...everyFiveMinutes, statistic: cloudwatch.Stats.SUM }),
      ...atLeastOnce,
    });
    this.throttlesAlarm = new cloudwatch.Alarm(this, 'ThrottlesAlarm', {
      alarmName: `${name}-throttles`,
      alarmDescription: `Lambda refused to run ${id} (account concurrency exhausted); its work waits in the queue. Raise the account's concurrency quota or reserve some for it.`,
      metric: this.metricThrottles({ ...everyFiveMinutes, statistic: cloudwatch.Stats.SUM }),
      ...atLeastOnce,
    });
    const limit = Duration.millis(props.timeout.toMilliseconds() * DURATION_ALARM_FRACTION);
    this.durationAlarm = new cloudwatch.Alarm(this, 'DurationAlarm', {
      alarmName: `${name}-duration`,
      alarmDescription: `A run of ${id} took over ${limit.toHumanString()} of its ${props.timeout.toHumanString()} timeout: runs close to being cut off. Find what grew in its logs before runs start timing out.`,
      metric: this.metricDuration({ ...everyFiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: limit.toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Sets `envName` to the bucket's name and grants object access to that bucket only. */
  bindBucket(envName: EnvName, bucket: s3.IBucket, access: BucketAccess): void {
    this.addEnvironment(envName, bucket.bucketName);
    const objectActions = access === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];
    this.addToRolePolicy(new iam.PolicyStatement({ actions: objectActions, resources: [bucket.arnForObjects('*')] }));
    const bucketLogicalId = Stack.of(this).resolve((bucket.node.defaultChild as CfnResource).logicalId) as string;
    // The statement lands in the role's default policy; the role is a sibling of the function, not its child.
    Validations.of(this.role ?? this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`,
      reason: `Object actions (${objectActions.join(', ')}) need an object ARN; the wildcard is the key within this one bucket, which the function reads or publishes as a whole.`,
    });
    // Without ListBucket, S3 answers 403 instead of 404 for a missing key, and listing is how stores find ETags.
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  }

  /** Sets `envName` to the queue's URL and grants sending to it, or receiving, deleting and re-timing its messages. */
  bindQueue(envName: EnvName, queue: sqs.IQueue, access: QueueAccess): void {
    this.addEnvironment(envName, queue.queueUrl);
    if (access === 'send') {
      queue.grantSendMessages(this);
    } else {
      queue.grantConsumeMessages(this);
    }
  }

  /** Sets a plain value the handler reads, one that grants nothing (e.g. the public site URL). */
  bindValue(envName: EnvName, value: string): void {
    this.addEnvironment(envName, value);
  }
}
