/**
 * Environment variable names shared by `infra/` (which sets them), the handlers and the CLI (which read them),
 * so a rename cannot leave one side behind.
 */
export const ENV = {
  /** Bucket holding `site.json` and `articles/`. */
  contentBucket: 'WIREFEED_CONTENT_BUCKET',
  /** Bucket the published feeds and pages are written to (served by CloudFront). */
  siteBucket: 'WIREFEED_SITE_BUCKET',
  /** Bucket holding the publish state (records, source index, archive, journal), subscribers and outbox. */
  stateBucket: 'WIREFEED_STATE_BUCKET',
  /** Public base URL of the site (the CloudFront URL); overrides `siteUrl` in site.json. */
  siteUrl: 'WIREFEED_SITE_URL',
  /** URL of the FIFO queue of publish messages, where a run too long for one invocation sends its continuation. */
  publishQueueUrl: 'WIREFEED_PUBLISH_QUEUE_URL',
  /**
   * Public URL of the built-in WebSub hub (its HTTP API route): advertised in the feeds and named in distributions when
   * site.json turns the hub on.
   */
  hubUrl: 'WIREFEED_HUB_URL',
  /** URL of the SQS queue delivery jobs wait in. */
  deliveryQueueUrl: 'WIREFEED_DELIVERY_QUEUE_URL',
  /** URL of the SQS queue dead delivery jobs are moved to, with their last error. */
  deliveryDeadLetterQueueUrl: 'WIREFEED_DELIVERY_DLQ_URL',
  /**
   * On (`1`, `true`, `yes`, `on`) lets webhooks reach loopback and private addresses, for local development and
   * tests only: the stack never sets it. Unset, empty or off (`0`, `false`, `no`, `off`) keeps the SSRF guard on; any
   * other value is a configuration error (see `readFlag` in core/env.ts), read the same by the CLI and the handlers.
   */
  allowPrivateTargets: 'WIREFEED_ALLOW_PRIVATE_TARGETS',
  /**
   * How long a subscriber may fail continuously before it is disabled and operator subscribers are told
   * (`endpoint.disabled`): `5d` (the default), `36h`, `90m`, or `off`. Read by the DeliveryFunction and the CLI.
   */
  disableFailingAfter: 'WIREFEED_DISABLE_FAILING_AFTER',
  /** The dev server's port when `--port` is not given (CLI only). */
  port: 'WIREFEED_PORT',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
