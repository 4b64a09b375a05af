/**
 * Environment variable names shared by `infra/` (which sets them) and the handlers (which read them),
 * so a rename cannot leave one side behind.
 */
export const ENV = {
  /** Bucket holding `site.json` and `articles/`. */
  contentBucket: 'WIREFEED_CONTENT_BUCKET',
  /** Bucket the published feeds and pages are written to (served by CloudFront). */
  siteBucket: 'WIREFEED_SITE_BUCKET',
  /** Bucket holding the manifest, normalized cache, subscribers and outbox. */
  stateBucket: 'WIREFEED_STATE_BUCKET',
  /** Public base URL of the site (the CloudFront URL); overrides `siteUrl` in site.json. */
  siteUrl: 'WIREFEED_SITE_URL',
  /** URL of the SQS queue delivery jobs wait in. */
  deliveryQueueUrl: 'WIREFEED_DELIVERY_QUEUE_URL',
  /** URL of the SQS queue dead delivery jobs are moved to, with their last error. */
  deliveryDeadLetterQueueUrl: 'WIREFEED_DELIVERY_DLQ_URL',
  /**
   * `true` lets webhooks reach loopback and private addresses. For local tests only: the stack never sets it,
   * and anything but the exact string `true` leaves the SSRF guard on.
   */
  allowPrivateTargets: 'WIREFEED_ALLOW_PRIVATE_TARGETS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
