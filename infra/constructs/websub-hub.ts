import { CfnOutput, type CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { HUB_PATH } from '../../functions/core/site.ts';
import { ENV } from '../../functions/handlers/env-names.ts';
import { WirefeedFunction } from './wirefeed-function.ts';
import type { WorkQueue } from './work-queue.ts';

export const HUB_TIMEOUT = Duration.seconds(10);
/**
 * Requests per second the hub endpoint accepts from everyone together (steady, and in a burst). Subscriptions are
 * rare events, a few per reader per lease; beyond this the endpoint answers 429 before any code runs.
 */
export const HUB_RATE_LIMIT = { rateLimit: 10, burstLimit: 20 } as const;

export interface WebSubHubProps {
  readonly contentBucket: s3.IBucket;
  readonly stateBucket: s3.IBucket;
  readonly siteBucket: s3.IBucket;
  readonly deliveryQueue: WorkQueue;
  /** Gets the hub URL, so the feeds advertise it and distributions name it. */
  readonly publishFunction: WirefeedFunction;
  /** Verifies and distributes for the hub, so it reads the published topics. */
  readonly deliveryFunction: WirefeedFunction;
  /** The site's public URL (CloudFront): its feeds are the hub's topics. */
  readonly siteUrl: string;
  readonly removalPolicy: RemovalPolicy;
  /** Overrides HUB_RATE_LIMIT. */
  readonly rateLimit?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * The built-in WebSub hub in AWS: HubFunction behind an API Gateway HTTP API that takes `POST /hub` without
 * authentication (the hub URL, a stack output), its subscriptions in the state bucket, its verifications and
 * distributions through the existing DeliveryQueue and DLQ. The hub answers only while site.json turns it on; at
 * rest it costs nothing.
 *
 * An HTTP API rather than a Lambda function URL: function URLs do not exist in eleven regions (Hyderabad, Melbourne,
 * Calgary, Spain, Zurich, Tel Aviv, UAE and others), where `cdk deploy` would fail, and the HTTP API bounds the
 * request rate for the whole endpoint before any code runs, which a function URL can do only by reserving
 * concurrency, something new accounts (a concurrency quota of 10) cannot do. The event the function receives is the
 * same (payload format 2.0).
 */
export class WebSubHub extends Construct {
  readonly function: WirefeedFunction;
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** The hub URL: `https://<api>.execute-api.<region>.amazonaws.com/hub`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebSubHubProps) {
    super(scope, id);
    this.function = new WirefeedFunction(scope, 'HubFunction', {
      handler: 'hub',
      description: 'wirefeed: the built-in WebSub hub, taking subscription requests for the site’s feeds',
      timeout: HUB_TIMEOUT,
      memorySize: 256,
      removalPolicy: props.removalPolicy,
    });
    this.function.bindBucket(ENV.contentBucket, props.contentBucket, 'read');
    // Requests waiting for verification are written here; subscriptions themselves are written once verified.
    this.function.bindBucket(ENV.stateBucket, props.stateBucket, 'readWrite');
    this.function.bindQueue(ENV.deliveryQueueUrl, props.deliveryQueue.queue, 'send');
    this.function.bindValue(ENV.siteUrl, props.siteUrl);

    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-hub`,
      description: 'wirefeed: the built-in WebSub hub (POST /hub)',
      createDefaultStage: false,
    });
    // Caller addresses for a month, for investigating abuse; unlike the function's logs they go with the stack.
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.rateLimit ?? HUB_RATE_LIMIT,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    this.api.addRoutes({
      path: `/${HUB_PATH}`,
      methods: [apigw.HttpMethod.POST, apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('HubIntegration', this.function),
    });
    this.url = `${this.api.apiEndpoint}/${HUB_PATH}`;

    props.publishFunction.bindValue(ENV.hubUrl, this.url);
    props.deliveryFunction.bindBucket(ENV.siteBucket, props.siteBucket, 'read');
    this.acknowledgePublicEndpoint();

    new CfnOutput(scope, 'HubLogGroupName', { value: this.function.logGroup.logGroupName });
    new CfnOutput(scope, 'HubUrl', {
      value: this.url,
      description: 'The built-in WebSub hub (advertised in the feeds once site.json has "hub": {"enabled": true})',
    });
  }

  /** Why the hub's routes take unauthenticated requests, and what bounds them. */
  private acknowledgePublicEndpoint(): void {
    const reason =
      'A WebSub hub is public by design: any feed reader subscribes without an account, so its routes take unauthenticated requests. The stage limits the rate for everyone together; the handler accepts only form-encoded bodies up to 16 KiB, for topics that are this site’s feeds, with callbacks the SSRF guard lets through, at a bounded rate per caller; nothing is sent before the verification, which goes through the DeliveryQueue and its concurrency cap.';
    for (const route of this.api.node.findAll()) {
      if ((route as CfnResource).cfnResourceType !== 'AWS::ApiGatewayV2::Route') continue;
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
  }
}
